using System.Buffers.Binary;
using Google.Protobuf;
using Fields = MLNetDeep.Trainers.Observability.EventProtoFields;

namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Reads a TensorBoard event file back: checks every record's two CRCs and decodes the scalars and histograms, so a
/// .NET app can check or plot what a training run logged (<see cref="TrainingOptions.TensorBoardLogDirectory"/>,
/// <see cref="TensorBoardWriter"/>) without Python; TensorBoard itself remains the viewer.
/// </summary>
/// <example>
/// <code>
/// foreach (var path in Directory.GetFiles(logDirectory, "events.out.tfevents.*", SearchOption.AllDirectories))
///     foreach (var scalar in TensorBoardEventReader.Read(path).Scalars)
///         Console.WriteLine($"{path}: {scalar.Tag} at step {scalar.Step} = {scalar.Value}");
/// </code>
/// </example>
public static class TensorBoardEventReader
{
    /// <summary>Reads and checks a whole event file (files up to 2 GB).</summary>
    /// <param name="path">An <c>events.out.tfevents.*</c> file, e.g. <see cref="TensorBoardWriter.FilePath"/>.</param>
    /// <returns>The file's scalars and histograms in file order, and its <c>file_version</c>.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// A CRC does not match, the file ends inside a record (as after a crash mid-write; TensorBoard itself skips such
    /// a tail), or a record is not a valid <c>Event</c>; the message names the file and the record's byte offset.
    /// </exception>
    public static TensorBoardEventFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"TensorBoard event file '{path}' does not exist.", path);
        }
        byte[] bytes;
        // Shared for writing too, so a run still in progress (a TensorBoardWriter holding the file) can be read.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        var scalars = new List<TensorBoardScalar>();
        var histograms = new List<TensorBoardHistogram>();
        string? fileVersion = null;
        var records = TfRecordFraming.ReadAll(bytes, path);
        for (var i = 0; i < records.Count; i++)
        {
            var (offset, data) = records[i];
            try
            {
                var version = DecodeEvent(data.ToArray(), scalars, histograms);
                if (i == 0)
                {
                    fileVersion = version;
                }
            }
            catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
            {
                throw TfRecordFraming.Corrupt(path, offset, $"its data is not a valid Event protobuf ({e.Message})");
            }
        }
        return new TensorBoardEventFile(path, fileVersion, records.Count, scalars, histograms);
    }

    /// <summary>Decodes one Event, adding its values to the lists; returns its file_version, if any.</summary>
    private static string? DecodeEvent(byte[] data, List<TensorBoardScalar> scalars, List<TensorBoardHistogram> histograms)
    {
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        var summaries = new List<ByteString>();
        var input = new CodedInputStream(data);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (Fields.Event.WallTime, WireFormat.WireType.Fixed64): wallTime = input.ReadDouble(); break;
                case (Fields.Event.Step, WireFormat.WireType.Varint): step = input.ReadInt64(); break;
                case (Fields.Event.FileVersion, WireFormat.WireType.LengthDelimited): fileVersion = input.ReadString(); break;
                // Decoded after the loop: wall_time and step may in principle follow the summary.
                case (Fields.Event.Summary, WireFormat.WireType.LengthDelimited): summaries.Add(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        foreach (var summary in summaries)
        {
            var summaryInput = summary.CreateCodedInput();
            for (uint tag; (tag = summaryInput.ReadTag()) != 0;)
            {
                if (tag == WireFormat.MakeTag(Fields.Summary.Value, WireFormat.WireType.LengthDelimited))
                {
                    DecodeValue(summaryInput.ReadBytes(), wallTime, step, scalars, histograms);
                }
                else
                {
                    summaryInput.SkipLastField();
                }
            }
        }
        return fileVersion;
    }

    private static void DecodeValue(ByteString value, double wallTime, long step,
        List<TensorBoardScalar> scalars, List<TensorBoardHistogram> histograms)
    {
        var tagName = "";
        float? scalar = null;
        ByteString? histo = null;
        var input = value.CreateCodedInput();
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (Fields.Value.Tag, WireFormat.WireType.LengthDelimited): tagName = input.ReadString(); break;
                case (Fields.Value.SimpleValue, WireFormat.WireType.Fixed32): scalar = input.ReadFloat(); break;
                case (Fields.Value.Histogram, WireFormat.WireType.LengthDelimited): histo = input.ReadBytes(); break;
                case (Fields.Value.Tensor, WireFormat.WireType.LengthDelimited): scalar = DecodeScalarTensor(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        if (scalar is { } s)
        {
            scalars.Add(new TensorBoardScalar(tagName, step, wallTime, s));
        }
        if (histo is not null)
        {
            histograms.Add(DecodeHistogram(histo, tagName, step, wallTime));
        }
    }

    /// <summary>The value of a one-element DT_FLOAT or DT_DOUBLE tensor (TF2's scalar summaries); null for anything else.</summary>
    private static float? DecodeScalarTensor(ByteString tensor)
    {
        var dtype = 0;
        ByteString? content = null;
        var values = new List<double>();
        var input = tensor.CreateCodedInput();
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (Fields.Tensor.Dtype, WireFormat.WireType.Varint): dtype = input.ReadEnum(); break;
                // Decoded after the loop: its element type is only known from dtype, which may come later.
                case (Fields.Tensor.TensorContent, WireFormat.WireType.LengthDelimited): content = input.ReadBytes(); break;
                case (Fields.Tensor.FloatVal, WireFormat.WireType.Fixed32): values.Add(input.ReadFloat()); break;
                case (Fields.Tensor.FloatVal, WireFormat.WireType.LengthDelimited): values.AddRange(ReadPacked(input.ReadBytes(), sizeof(float))); break;
                case (Fields.Tensor.DoubleVal, WireFormat.WireType.Fixed64): values.Add(input.ReadDouble()); break;
                case (Fields.Tensor.DoubleVal, WireFormat.WireType.LengthDelimited): values.AddRange(ReadPacked(input.ReadBytes(), sizeof(double))); break;
                default: input.SkipLastField(); break;
            }
        }
        if (content is not null)
        {
            values.AddRange(dtype switch
            {
                Fields.Tensor.DtFloat => ReadPacked(content, sizeof(float)),
                Fields.Tensor.DtDouble => ReadPacked(content, sizeof(double)),
                _ => [],
            });
        }
        return dtype is Fields.Tensor.DtFloat or Fields.Tensor.DtDouble && values.Count == 1 ? (float)values[0] : null;
    }

    private static TensorBoardHistogram DecodeHistogram(ByteString histo, string tagName, long step, double wallTime)
    {
        double min = 0, max = 0, num = 0, sum = 0, sumSquares = 0;
        var limits = new List<double>();
        var counts = new List<double>();
        var input = histo.CreateCodedInput();
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (Fields.Histogram.Min, WireFormat.WireType.Fixed64): min = input.ReadDouble(); break;
                case (Fields.Histogram.Max, WireFormat.WireType.Fixed64): max = input.ReadDouble(); break;
                case (Fields.Histogram.Num, WireFormat.WireType.Fixed64): num = input.ReadDouble(); break;
                case (Fields.Histogram.Sum, WireFormat.WireType.Fixed64): sum = input.ReadDouble(); break;
                case (Fields.Histogram.SumSquares, WireFormat.WireType.Fixed64): sumSquares = input.ReadDouble(); break;
                // Protobuf parsers must accept repeated scalars both packed and one by one.
                case (Fields.Histogram.BucketLimit, WireFormat.WireType.LengthDelimited): limits.AddRange(ReadPacked(input.ReadBytes(), sizeof(double))); break;
                case (Fields.Histogram.BucketLimit, WireFormat.WireType.Fixed64): limits.Add(input.ReadDouble()); break;
                case (Fields.Histogram.Bucket, WireFormat.WireType.LengthDelimited): counts.AddRange(ReadPacked(input.ReadBytes(), sizeof(double))); break;
                case (Fields.Histogram.Bucket, WireFormat.WireType.Fixed64): counts.Add(input.ReadDouble()); break;
                default: input.SkipLastField(); break;
            }
        }
        if (limits.Count != counts.Count)
        {
            throw new InvalidDataException($"histogram '{tagName}' at step {step} has {limits.Count} bucket limits but {counts.Count} bucket counts");
        }
        return new TensorBoardHistogram(tagName, step, wallTime, min, max, num, sum, sumSquares, limits, counts);
    }

    /// <summary>Little-endian floats (<paramref name="width"/> 4) or doubles (8), as packed fields and tensor_content hold them.</summary>
    private static double[] ReadPacked(ByteString packed, int width)
    {
        var bytes = packed.Span;
        if (bytes.Length % width != 0)
        {
            throw new InvalidDataException($"a packed field of {width}-byte numbers is {bytes.Length} bytes long");
        }
        var values = new double[bytes.Length / width];
        for (var i = 0; i < values.Length; i++)
        {
            var at = bytes[(i * width)..];
            values[i] = width == sizeof(float) ? BinaryPrimitives.ReadSingleLittleEndian(at) : BinaryPrimitives.ReadDoubleLittleEndian(at);
        }
        return values;
    }
}
