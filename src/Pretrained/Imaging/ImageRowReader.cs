using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Transforms.Imaging;

namespace MLNetDeep.Pretrained.Imaging;

/// <summary>Reads the label and the encoded image of every row, resolving paths, with errors that name the row and file.</summary>
internal static class ImageRowReader
{
    /// <exception cref="ArgumentException">A label is missing, or an image path is empty.</exception>
    /// <exception cref="InvalidDataException">An image file is missing or unreadable.</exception>
    public static List<ImageRow> Read(IDataView data, string labelColumn, string imageColumn, ImageColumnKind kind, string? imageFolder, string dataRole, CancellationToken cancellationToken)
    {
        var label = data.Schema[labelColumn];
        var image = data.Schema[imageColumn];
        var rows = new List<ImageRow>();
        using var cursor = data.GetRowCursor([label, image]);
        var getLabel = cursor.GetGetter<uint>(label);
        var getBytes = kind == ImageColumnKind.EncodedBytes ? cursor.GetGetter<VBuffer<byte>>(image) : null;
        var getPath = kind == ImageColumnKind.Paths ? cursor.GetGetter<ReadOnlyMemory<char>>(image) : null;
        uint key = 0;
        VBuffer<byte> bytes = default;
        ReadOnlyMemory<char> path = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            getLabel(ref key);
            if (key == 0)
                throw new ArgumentException($"Row {row} of the {dataRole} data has a missing label in column '{labelColumn}' (key 0); every image needs a class.");
            if (getBytes is not null)
            {
                getBytes(ref bytes);
                var source = $"The image in row {row} of column '{imageColumn}'";
                rows.Add(new ImageRow(row, (int)key - 1, bytes.DenseValues().ToArray(), source));
            }
            else
            {
                getPath!(ref path);
                rows.Add(new ImageRow(row, (int)key - 1, ReadFile(path.ToString(), imageFolder, row, imageColumn, out var source), source));
            }
        }
        return rows;
    }

    private static byte[] ReadFile(string path, string? imageFolder, long row, string imageColumn, out string source)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"Row {row} of column '{imageColumn}' has an empty image path.");
        var full = Path.GetFullPath(imageFolder is null ? path : Path.Combine(imageFolder, path));
        source = $"The image file '{full}' (row {row} of column '{imageColumn}')";
        try
        {
            return File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{source} does not exist{(imageFolder is null ? "" : $" (relative paths are resolved against ImageFolder '{imageFolder}')")}.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{source} could not be read: {e.Message}", e);
        }
    }
}
