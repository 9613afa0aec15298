using System.Text;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Observability;

/// <summary>The CRC-32C under TFRecord framing, against published test vectors.</summary>
public sealed class Crc32CTests
{
    [Fact]
    public void CheckValue_OfTheCrcCatalogue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Rfc3720Vectors()
    {
        // RFC 3720 (iSCSI) appendix B.4, the vectors TensorFlow's and LevelDB's crc32c tests use.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void MaskedCrc_OfARecordTensorFlowWrote()
    {
        // The data of Event(file_version="CRC test, one two") and its masked CRC as TensorFlow stored it, quoted in
        // TensorBoard's Rust reader (tensorboard/data/server/masked_crc.rs).
        var data = new byte[] { 0x1a, 0x11 }.Concat(Encoding.ASCII.GetBytes("CRC test, one two")).ToArray();
        Assert.Equal(0x5794d08au, Crc32C.ComputeMasked(data));
    }
}
