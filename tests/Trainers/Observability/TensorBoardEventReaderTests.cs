using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Observability;

/// <summary>The reader checks both CRCs of every record and says where a file is broken.</summary>
public sealed class TensorBoardEventReaderTests
{
    [Theory]
    [InlineData(0, "length CRC")]          // a length byte of the first record
    [InlineData(9, "length CRC")]          // the length CRC itself
    [InlineData(12, "data CRC")]           // the first data byte
    [InlineData(-1, "data CRC")]           // the last byte: the second record's data CRC
    public void ACorruptedByte_IsReported_WithFileAndRecordOffset(int position, string expected)
    {
        using var dir = new TempDirectory();
        var (path, secondRecordOffset) = WriteTwoRecords(dir.Path);
        var bytes = File.ReadAllBytes(path);
        var at = position >= 0 ? position : bytes.Length + position;
        bytes[at] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => TensorBoardEventReader.Read(path));

        error.Message.ShouldNameFileAnd(path, expected);
        Assert.Contains($"byte offset {(position >= 0 ? 0 : secondRecordOffset)}", error.Message);
    }

    [Fact]
    public void ATruncatedFile_IsReported_WithTheOffsetOfTheCutRecord()
    {
        using var dir = new TempDirectory();
        var (path, secondRecordOffset) = WriteTwoRecords(dir.Path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);

        var error = Assert.Throws<InvalidDataException>(() => TensorBoardEventReader.Read(path));

        error.Message.ShouldNameFileAnd(path, $"byte offset {secondRecordOffset}");
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void AMissingFile_IsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-mlnetdeep", "events.out.tfevents.0.x");
        var error = Assert.Throws<FileNotFoundException>(() => TensorBoardEventReader.Read(path));
        Assert.Contains($"'{path}'", error.Message);
    }

    private static (string Path, int SecondRecordOffset) WriteTwoRecords(string directory)
    {
        using var writer = new TensorBoardWriter(directory);
        var firstRecordLength = new FileInfo(writer.FilePath).Length;
        writer.AddScalar("epoch_loss", 1, 0.25);
        return (writer.FilePath, (int)firstRecordLength);
    }
}
