using System.Buffers.Binary;

namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files (tensorflow/core/lib/io/record_writer.cc):
/// <c>uint64 length (LE) | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data</c>.
/// </summary>
internal static class TfRecordFraming
{
    /// <summary>Bytes before the data: the length and its CRC.</summary>
    public const int HeaderLength = 12;

    /// <summary>Bytes after the data: its CRC.</summary>
    public const int FooterLength = 4;

    /// <summary>Appends one framed record holding <paramref name="data"/> to <paramref name="output"/>.</summary>
    public static void Write(Stream output, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.ComputeMasked(header[..8]));
        Span<byte> footer = stackalloc byte[FooterLength];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.ComputeMasked(data));
        output.Write(header);
        output.Write(data);
        output.Write(footer);
    }

    /// <summary>
    /// Splits a whole file into its records' data, with the byte offset each record starts at, checking both CRCs of each.
    /// </summary>
    /// <param name="file">The file's bytes.</param>
    /// <param name="path">The file's path, for error messages only.</param>
    /// <exception cref="InvalidDataException">A CRC does not match, or the file ends inside a record; the message names the file and the record's byte offset.</exception>
    public static List<(int Offset, ReadOnlyMemory<byte> Data)> ReadAll(ReadOnlyMemory<byte> file, string path)
    {
        var records = new List<(int Offset, ReadOnlyMemory<byte> Data)>();
        var offset = 0;
        while (offset < file.Length)
        {
            var span = file.Span[offset..];
            if (span.Length < HeaderLength)
            {
                throw Corrupt(path, offset, $"the file ends {span.Length} byte(s) into a record header of {HeaderLength} bytes (truncated write?)");
            }
            var lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
            var expectedLengthCrc = Crc32C.ComputeMasked(span[..8]);
            if (lengthCrc != expectedLengthCrc)
            {
                throw Corrupt(path, offset, $"the length CRC is 0x{lengthCrc:x8}, but the length bytes give 0x{expectedLengthCrc:x8}");
            }
            var length = BinaryPrimitives.ReadUInt64LittleEndian(span);
            if (length > (ulong)(span.Length - HeaderLength - FooterLength))
            {
                throw Corrupt(path, offset, $"the record claims {length} data bytes, but only {Math.Max(0, span.Length - HeaderLength - FooterLength)} remain before its footer (truncated write?)");
            }
            var data = file.Slice(offset + HeaderLength, (int)length);
            var dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(span[(HeaderLength + (int)length)..]);
            var expectedDataCrc = Crc32C.ComputeMasked(data.Span);
            if (dataCrc != expectedDataCrc)
            {
                throw Corrupt(path, offset, $"the data CRC is 0x{dataCrc:x8}, but the {length} data bytes give 0x{expectedDataCrc:x8}");
            }
            records.Add((offset, data));
            offset += HeaderLength + (int)length + FooterLength;
        }
        return records;
    }

    /// <summary>The error for a bad record, naming the file and the record's offset.</summary>
    public static InvalidDataException Corrupt(string path, int offset, string what) =>
        new($"TensorBoard event file '{path}' is corrupt at the record starting at byte offset {offset}: {what}.");
}
