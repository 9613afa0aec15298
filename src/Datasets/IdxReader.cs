using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNetDeep.Datasets;

/// <summary>
/// Reads gzip-compressed IDX files, the format of MNIST and Fashion-MNIST (big-endian header): images are magic
/// <c>0x00000803</c>, count, rows, columns, then one byte per pixel; labels are magic <c>0x00000801</c>, count, then
/// one byte per label.
/// </summary>
/// <remarks>Every problem with a file is an <see cref="InvalidDataException"/> whose message names the file.</remarks>
public static class IdxReader
{
    /// <summary>IDX magic number of an unsigned-byte, three-dimensional file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>IDX magic number of an unsigned-byte, one-dimensional file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an images file and its labels file, and checks that they hold the same number of items.</summary>
    /// <param name="imagesGzPath">Path of the <c>*-images-idx3-ubyte.gz</c> file.</param>
    /// <param name="labelsGzPath">Path of the <c>*-labels-idx1-ubyte.gz</c> file.</param>
    /// <returns>The images with their labels.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not gzip, is truncated or corrupt, has the wrong magic number,
    /// or the image and label counts differ.</exception>
    public static LabeledImages ReadLabeledImages(string imagesGzPath, string labelsGzPath)
    {
        var (pixels, imageCount, height, width) = ReadImages(imagesGzPath);
        var labels = ReadLabels(labelsGzPath);
        if (labels.Length != imageCount)
            throw new InvalidDataException(
                $"'{imagesGzPath}' holds {imageCount} images but '{labelsGzPath}' holds {labels.Length} labels; " +
                "an images file and its labels file must hold the same number of items.");
        return new LabeledImages(pixels, labels, height, width);
    }

    /// <summary>Reads a gzip-compressed IDX images file (magic <c>0x00000803</c>).</summary>
    /// <param name="path">Path of the <c>.gz</c> file.</param>
    /// <returns>The pixel bytes, the image count and the size of one image.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid gzip-compressed IDX images file.</exception>
    public static (byte[] Pixels, int Count, int Height, int Width) ReadImages(string path)
    {
        using var idx = OpenGzip(path);
        var header = ReadHeader(idx, path, ImagesMagic, dimensionCount: 3);
        var (count, height, width) = (header[0], header[1], header[2]);
        var length = (long)count * height * width;
        if (length > Array.MaxLength)
            throw new InvalidDataException($"'{path}' announces {count} images of {height}x{width}, more than one array can hold.");
        var pixels = ReadPayload(idx, path, (int)length, $"{count} images of {height}x{width}");
        return (pixels, count, height, width);
    }

    /// <summary>Reads a gzip-compressed IDX labels file (magic <c>0x00000801</c>).</summary>
    /// <param name="path">Path of the <c>.gz</c> file.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid gzip-compressed IDX labels file.</exception>
    public static byte[] ReadLabels(string path)
    {
        using var idx = OpenGzip(path);
        var count = ReadHeader(idx, path, LabelsMagic, dimensionCount: 1)[0];
        return ReadPayload(idx, path, count, $"{count} labels");
    }

    private static GZipStream OpenGzip(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The IDX file '{path}' does not exist.", path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            Span<byte> signature = stackalloc byte[2];
            var read = file.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false);
            if (read < 2 || signature[0] != 0x1F || signature[1] != 0x8B)
                throw new InvalidDataException(
                    $"'{path}' is not a gzip file: expected it to start with the bytes 1F 8B, " +
                    $"found {Convert.ToHexString(signature[..read])} ({new FileInfo(path).Length} bytes in all).");
            file.Position = 0;
            return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static int[] ReadHeader(Stream idx, string path, int expectedMagic, int dimensionCount)
    {
        var header = new byte[4 * (1 + dimensionCount)];
        var read = ReadFully(idx, path, header);
        if (read < header.Length)
            throw new InvalidDataException($"'{path}' is truncated: its IDX header needs {header.Length} bytes, the data ends after {read}.");
        var magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
            throw new InvalidDataException(
                $"'{path}' has the IDX magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} " +
                $"({(expectedMagic == ImagesMagic ? "an images file" : "a labels file")}).");
        var dimensions = new int[dimensionCount];
        for (var i = 0; i < dimensionCount; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * (i + 1)));
            if (dimensions[i] < 0 || (i > 0 && dimensions[i] == 0))
                throw new InvalidDataException($"'{path}' has an invalid IDX header: dimension {i} is {dimensions[i]}.");
        }
        return dimensions;
    }

    private static byte[] ReadPayload(Stream idx, string path, int length, string announced)
    {
        var payload = GC.AllocateUninitializedArray<byte>(length);
        var read = ReadFully(idx, path, payload);
        if (read < length)
            throw new InvalidDataException(
                $"'{path}' is truncated: its header announces {announced} ({length} bytes of data), the data ends after {read}.");
        // Reading on to the end makes the gzip layer check its CRC and length trailer, and catches extra data.
        Span<byte> extra = stackalloc byte[1];
        if (ReadFully(idx, path, extra) != 0)
            throw new InvalidDataException($"'{path}' holds more data than its header announces ({announced}, {length} bytes of data).");
        return payload;
    }

    private static int ReadFully(Stream idx, string path, Span<byte> buffer)
    {
        try
        {
            return idx.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is corrupt or truncated: its gzip data cannot be decompressed ({e.Message}).", e);
        }
    }
}
