using System.Buffers.Binary;
using System.IO.Compression;
using MLNetDeep.Datasets;

namespace MLNetDeep.Tests.Support;

/// <summary>Writes small gzip-compressed IDX files, valid or deliberately broken, for the error-path tests.</summary>
internal static class SyntheticIdx
{
    /// <summary>Image i has every pixel equal to i; label i is i % 10.</summary>
    public static void WriteImages(string path, int count, int height = 28, int width = 28, int magic = IdxReader.ImagesMagic)
    {
        var pixels = new byte[count * height * width];
        for (var i = 0; i < count; i++)
            pixels.AsSpan(i * height * width, height * width).Fill((byte)i);
        WriteGzip(path, Header(magic, count, height, width), pixels);
    }

    public static void WriteLabels(string path, int count, int magic = IdxReader.LabelsMagic, Func<int, byte>? label = null)
    {
        var labels = Enumerable.Range(0, count).Select(i => label?.Invoke(i) ?? (byte)(i % 10)).ToArray();
        WriteGzip(path, Header(magic, count), labels);
    }

    /// <summary>Writes all four Fashion-MNIST file names into <paramref name="directory"/>.</summary>
    public static void WriteDataset(string directory, int trainCount, int testCount)
    {
        WriteImages(FashionMnist.TrainImages.PathIn(directory), trainCount);
        WriteLabels(FashionMnist.TrainLabels.PathIn(directory), trainCount);
        WriteImages(FashionMnist.TestImages.PathIn(directory), testCount);
        WriteLabels(FashionMnist.TestLabels.PathIn(directory), testCount);
    }

    /// <summary>
    /// Writes empty files under the four Fashion-MNIST names (but <paramref name="except"/>): folder resolution and
    /// the downloader only look at which files are present.
    /// </summary>
    public static string WritePlaceholders(string directory, FashionMnistFile? except = null)
    {
        foreach (var file in FashionMnist.Files.Where(file => file != except))
            File.WriteAllBytes(file.PathIn(directory), []);
        return directory;
    }

    public static void Truncate(string path, double keptFraction)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keptFraction)]);
    }

    private static byte[] Header(int magic, params int[] dimensions)
    {
        var header = new byte[4 * (1 + dimensions.Length)];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (var i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 * (i + 1)), dimensions[i]);
        return header;
    }

    private static void WriteGzip(string path, byte[] header, byte[] data)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(header);
        gzip.Write(data);
    }
}
