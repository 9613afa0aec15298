namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// The CRC-32 that zip stores per entry (IEEE 802.3, reflected polynomial 0xEDB88320), computed incrementally.
/// Written here because System.IO.Hashing, the framework's home for CRCs, is a separate package.
/// </summary>
internal static class ZipCrc32
{
    private const uint ReflectedPolynomial = 0xEDB88320u;

    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of everything <paramref name="stream"/> yields from its current position to its end.</summary>
    public static uint Compute(Stream stream)
    {
        var crc = 0xFFFFFFFFu;
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            foreach (var b in buffer.AsSpan(0, read))
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            table[i] = crc;
        }
        return table;
    }
}
