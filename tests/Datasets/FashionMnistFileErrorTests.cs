using System.IO.Compression;
using System.Security.Cryptography;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Datasets.Tests;

/// <summary>Broken folders and files give errors that name the file and say what was expected.</summary>
public sealed class FashionMnistFileErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SyntheticDataset_LoadsWithTheLastRowsAsValidation()
    {
        SyntheticIdx.WriteDataset(_temp.Path, trainCount: 20, testCount: 7);

        var arrays = Load(new FashionMnistOptions { ValidationCount = 5 });

        Assert.Equal((15, 5, 7), (arrays.Train.Count, arrays.Validation.Count, arrays.Test.Count));
        Assert.Equal(15, arrays.Validation.GetImage(0)[0]); // synthetic image i is filled with the byte i
        Assert.Equal(14, arrays.Train.GetImage(14)[783]);
        Assert.Equal(Path.GetFullPath(_temp.Path), arrays.DataDirectory);
    }

    [Fact]
    public void MissingFolder_IsNamed()
    {
        var missing = Path.Combine(_temp.Path, "nowhere");

        var error = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.LoadArrays(new FashionMnistOptions { DataDirectory = missing }));

        Assert.Contains($"'{missing}'", error.Message);
        Assert.Contains("--data", error.Message);
    }

    [Fact]
    public void MissingFile_IsNamed()
    {
        SyntheticIdx.WriteDataset(_temp.Path, trainCount: 20, testCount: 7);
        File.Delete(FashionMnist.TestLabels.PathIn(_temp.Path));

        var error = Assert.Throws<FileNotFoundException>(() => Load(new FashionMnistOptions()));

        Assert.Contains("lacks t10k-labels-idx1-ubyte.gz", error.Message);
        Assert.Equal(FashionMnist.TestLabels.PathIn(Path.GetFullPath(_temp.Path)), error.FileName);
    }

    [Fact]
    public void HashMismatch_NamesTheFileAndBothHashes()
    {
        SyntheticIdx.WriteDataset(_temp.Path, trainCount: 20, testCount: 7);
        var path = FashionMnist.TrainImages.PathIn(Path.GetFullPath(_temp.Path));
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

        var error = Assert.Throws<InvalidDataException>(() => Load(new FashionMnistOptions { ValidationCount = 5 }, verifyHashes: true));

        Assert.Contains($"'{path}'", error.Message);
        Assert.Contains($"expected {FashionMnist.TrainImages.Sha256}", error.Message);
        Assert.Contains($"actual {actual}", error.Message);
    }

    [Fact]
    public void TruncatedRealLabelsFile_FailsItsHashCheck_AndIsReportedTruncatedWhenRead()
    {
        foreach (var intact in new[] { FashionMnist.TrainImages, FashionMnist.TrainLabels, FashionMnist.TestImages })
            File.CreateSymbolicLink(intact.PathIn(_temp.Path), intact.PathIn(RealFashionMnistFixture.Directory));
        var labels = FashionMnist.TestLabels.PathIn(Path.GetFullPath(_temp.Path));
        File.Copy(FashionMnist.TestLabels.PathIn(RealFashionMnistFixture.Directory), labels);
        SyntheticIdx.Truncate(labels, 0.5);

        Assert.Throws<InvalidDataException>(() => Load(new FashionMnistOptions(), verifyHashes: true)).Message
            .ShouldNameFileAnd(labels, $"expected {FashionMnist.TestLabels.Sha256}");
        Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(labels)).Message.ShouldNameFileAnd(labels, "truncated");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.05)]
    public void TruncatedGzip_IsReportedTruncated(double keptFraction)
    {
        var path = Path.Combine(_temp.Path, "images.gz");
        SyntheticIdx.WriteImages(path, count: 50);
        SyntheticIdx.Truncate(path, keptFraction);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        error.Message.ShouldNameFileAnd(path, "truncated");
    }

    [Fact]
    public void NotGzip_IsReported()
    {
        var path = Path.Combine(_temp.Path, "labels.gz");
        File.WriteAllBytes(path, [0, 0, 8, 1, 0, 0, 0, 0]);

        Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path)).Message.ShouldNameFileAnd(path, "not a gzip file");
    }

    [Fact]
    public void WrongMagicNumber_NamesBothNumbers()
    {
        var path = Path.Combine(_temp.Path, "labels.gz");
        SyntheticIdx.WriteLabels(path, count: 5, magic: IdxReader.ImagesMagic);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        error.Message.ShouldNameFileAnd(path, "magic number 0x00000803, expected 0x00000801");
    }

    [Fact]
    public void ImageAndLabelCountMismatch_NamesBothFilesAndCounts()
    {
        var images = Path.Combine(_temp.Path, "images.gz");
        var labels = Path.Combine(_temp.Path, "labels.gz");
        SyntheticIdx.WriteImages(images, count: 10);
        SyntheticIdx.WriteLabels(labels, count: 9);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabeledImages(images, labels));

        Assert.Contains($"'{images}' holds 10 images but '{labels}' holds 9 labels", error.Message);
    }

    [Fact]
    public void PayloadShorterThanHeader_IsReportedTruncated()
    {
        var path = Path.Combine(_temp.Path, "labels.gz");
        SyntheticIdx.WriteLabels(path, count: 5);
        var shortPath = Path.Combine(_temp.Path, "short.gz");
        using (var source = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
        using (var target = new GZipStream(File.Create(shortPath), CompressionLevel.Fastest))
        {
            var bytes = new byte[8 + 3]; // the header says 5 labels, 3 follow
            source.ReadExactly(bytes);
            target.Write(bytes);
        }

        Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(shortPath)).Message
            .ShouldNameFileAnd(shortPath, "truncated: its header announces 5 labels (5 bytes of data), the data ends after 3");
    }

    [Fact]
    public void ImagesThatAreNot28By28_AreRejected()
    {
        SyntheticIdx.WriteDataset(_temp.Path, trainCount: 20, testCount: 7);
        SyntheticIdx.WriteImages(FashionMnist.TestImages.PathIn(_temp.Path), count: 7, height: 10, width: 10);

        var error = Assert.Throws<InvalidDataException>(() => Load(new FashionMnistOptions { ValidationCount = 5 }));

        Assert.Contains("holds images of 10x10; Fashion-MNIST images are 28x28", error.Message);
    }

    [Fact]
    public void LabelOutsideTheTenClasses_IsRejected()
    {
        SyntheticIdx.WriteDataset(_temp.Path, trainCount: 20, testCount: 7);
        SyntheticIdx.WriteLabels(FashionMnist.TrainLabels.PathIn(_temp.Path), count: 20, label: i => i == 3 ? (byte)10 : (byte)1);

        var error = Assert.Throws<InvalidDataException>(() => Load(new FashionMnistOptions { ValidationCount = 5 }));

        Assert.Contains("has label 10 at index 3; Fashion-MNIST labels are 0..9", error.Message);
    }

    [Theory]
    [InlineData(nameof(FashionMnistOptions.ValidationCount), 20)]
    [InlineData(nameof(FashionMnistOptions.ValidationCount), -1)]
    [InlineData(nameof(FashionMnistOptions.MaxTrainRows), -1)]
    [InlineData(nameof(FashionMnistOptions.MaxValidationRows), -1)]
    [InlineData(nameof(FashionMnistOptions.MaxTestRows), -1)]
    public void OutOfRangeOption_IsNamedWithItsValue(string option, int value)
    {
        SyntheticIdx.WriteDataset(_temp.Path, trainCount: 20, testCount: 7);
        var options = new FashionMnistOptions { ValidationCount = 5 };
        typeof(FashionMnistOptions).GetProperty(option)!.SetValue(options, value);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Load(options));

        Assert.Contains($"FashionMnistOptions.{option} is {value}", error.Message);
    }

    // Synthetic files cannot match the official hashes, so only the hash tests verify them.
    private FashionMnistArrays Load(FashionMnistOptions options, bool verifyHashes = false)
    {
        options.DataDirectory = _temp.Path;
        options.VerifyHashes = verifyHashes;
        return FashionMnist.LoadArrays(options);
    }
}
