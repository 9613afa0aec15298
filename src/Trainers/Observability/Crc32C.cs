namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the masking TFRecord applies to it.
/// Written here because System.IO.Hashing, the framework's home for CRCs, is a separate package and has no CRC-32C.
/// </summary>
internal static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78u;

    // TensorFlow (after LevelDB) adds this after rotating, so a CRC stored inside data that is itself checksummed
    // does not make the outer CRC degenerate.
    private const uint MaskDelta = 0xa282ead8u;

    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    /// <summary>The masked CRC that TFRecord stores: rotate right by 15 bits, then add the mask delta.</summary>
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    /// <summary>The masked CRC-32C of <paramref name="data"/>, as a TFRecord header or footer holds it.</summary>
    public static uint ComputeMasked(ReadOnlySpan<byte> data) => Mask(Compute(data));

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            }
            table[i] = crc;
        }
        return table;
    }
}
