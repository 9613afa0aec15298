using System.Diagnostics;
using System.IO.Compression;
using MLNetDeep.Datasets;

namespace MLNetDeep.Tests.Support;

/// <summary>
/// Loads the real Fashion-MNIST once per test class, through the loader and, independently, by decompressing the
/// raw IDX bytes here, so that tests can compare the two.
/// </summary>
public sealed class RealFashionMnistFixture
{
    public RealFashionMnistFixture()
    {
        var stopwatch = Stopwatch.StartNew();
        Arrays = FashionMnist.LoadArrays(new FashionMnistOptions { DataDirectory = Directory });
        LoadTime = stopwatch.Elapsed;
        Views = Arrays.ToDataViews();
        RawTrainImages = Decompress("train-images-idx3-ubyte.gz");
        RawTrainLabels = Decompress("train-labels-idx1-ubyte.gz");
        RawTestImages = Decompress("t10k-images-idx3-ubyte.gz");
    }

    public static string Directory => SharedData.FashionMnist;

    public FashionMnistArrays Arrays { get; }

    public FashionMnistDataViews Views { get; }

    public TimeSpan LoadTime { get; }

    /// <summary>The decompressed training images file, header (16 bytes) included.</summary>
    public byte[] RawTrainImages { get; }

    /// <summary>The decompressed training labels file, header (8 bytes) included.</summary>
    public byte[] RawTrainLabels { get; }

    /// <summary>The decompressed test images file, header (16 bytes) included.</summary>
    public byte[] RawTestImages { get; }

    private static byte[] Decompress(string fileName)
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(Directory, fileName)), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }
}
