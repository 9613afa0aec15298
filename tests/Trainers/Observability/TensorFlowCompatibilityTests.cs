using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Observability;

/// <summary>
/// Byte-level checks against an event file TensorFlow itself wrote for <c>tf.summary.scalar("accuracy", 0.99, step=77)</c>,
/// as dumped with xxd in TensorBoard's TFRecord reader tests (tensorboard/data/server/tf_record.rs). Python's
/// tensorboard cannot be installed here, so this file stands in for reading our output with it.
/// </summary>
public sealed class TensorFlowCompatibilityTests
{
    // Record 1: Event { wall_time, file_version = "brain.Event:2" }.
    private static readonly byte[] FileVersionHeader = [0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22];
    private static readonly byte[] FileVersionData =
        [0x09, 0x00, 0x00, 0x80, 0x38, 0x99, 0xd6, 0xd7, 0x41, 0x1a, 0x0d, .. "brain.Event:2"u8];
    private static readonly byte[] FileVersionFooter = [0x12, 0x4b, 0x36, 0xab];

    // Record 2: Event { wall_time, step = 77, summary { value { tag "accuracy", tensor (DT_FLOAT) 0.99, metadata "scalars" } } }.
    private static readonly byte[] ScalarHeader = [0x32, 0, 0, 0, 0, 0, 0, 0, 0x24, 0x19, 0x56, 0xec];
    private static readonly byte[] ScalarData =
    [
        0x09, 0xc4, 0x05, 0xb7, 0x3d, 0x99, 0xd6, 0xd7, 0x41,
        0x10, 0x4d, 0x2a, 0x25,
        0x0a, 0x23, 0x0a, 0x08, .. "accuracy"u8,
        0x42, 0x0a, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0xa4, 0x70, 0x7d, 0x3f, 0x4a,
        0x0b, 0x0a, 0x09, 0x0a, 0x07, .. "scalars"u8,
    ];
    private static readonly byte[] ScalarFooter = [0xa5, 0x5b, 0x64, 0x33];

    [Fact]
    public void OurFirstRecord_IsByteForByteTensorFlows()
    {
        using var dir = new TempDirectory();
        var wallTime = BitConverter.ToDouble(FileVersionData, 1);
        string path;
        using (var writer = new TensorBoardWriter(dir.Path, () => wallTime))
        {
            path = writer.FilePath;
        }
        Assert.Equal([.. FileVersionHeader, .. FileVersionData, .. FileVersionFooter], File.ReadAllBytes(path));
    }

    [Fact]
    public void OurFraming_OfTensorFlowsScalarEvent_IsByteForByteTensorFlows()
    {
        using var framed = new MemoryStream();
        TfRecordFraming.Write(framed, ScalarData);
        Assert.Equal([.. ScalarHeader, .. ScalarData, .. ScalarFooter], framed.ToArray());
    }

    [Fact]
    public void Reader_ReadsTheFileTensorFlowWrote()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "events.out.tfevents.1583263458.tf");
        File.WriteAllBytes(path, [.. FileVersionHeader, .. FileVersionData, .. FileVersionFooter, .. ScalarHeader, .. ScalarData, .. ScalarFooter]);

        var events = TensorBoardEventReader.Read(path);

        Assert.Equal("brain.Event:2", events.FileVersion);
        Assert.Equal(2, events.EventCount);
        var scalar = Assert.Single(events.Scalars);
        Assert.Equal("accuracy", scalar.Tag);
        Assert.Equal(77, scalar.Step);
        Assert.Equal(0.99f, scalar.Value);
        Assert.Equal(BitConverter.ToDouble(ScalarData, 1), scalar.WallTime);
        Assert.Empty(events.Histograms);
    }
}
