using Google.Protobuf;
using Fields = MLNetDeep.Trainers.Observability.EventProtoFields;

namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Serialises the <c>Event</c> protobufs of an event file by hand with <see cref="CodedOutputStream"/>, so no
/// generated TensorFlow classes are needed. Nested messages are encoded first to learn their length.
/// </summary>
internal static class EventEncoder
{
    /// <summary>The first event of every file: wall time and <c>file_version = "brain.Event:2"</c>.</summary>
    public static byte[] FileVersion(double wallTime) => Encode(output =>
    {
        output.WriteTag(Fields.Event.WallTime, WireFormat.WireType.Fixed64);
        output.WriteDouble(wallTime);
        output.WriteTag(Fields.Event.FileVersion, WireFormat.WireType.LengthDelimited);
        output.WriteString(Fields.FileVersion);
    });

    /// <summary>An event holding one <c>simple_value</c> scalar.</summary>
    public static byte[] Scalar(double wallTime, long step, string tag, float value) =>
        SummaryEvent(wallTime, step, Encode(output =>
        {
            WriteTag(output, tag);
            output.WriteTag(Fields.Value.SimpleValue, WireFormat.WireType.Fixed32);
            output.WriteFloat(value);
        }));

    /// <summary>An event holding one <c>histo</c>.</summary>
    public static byte[] Histogram(TensorBoardHistogram histogram)
    {
        var histo = Encode(output =>
        {
            WriteDouble(output, Fields.Histogram.Min, histogram.Min);
            WriteDouble(output, Fields.Histogram.Max, histogram.Max);
            WriteDouble(output, Fields.Histogram.Num, histogram.Count);
            WriteDouble(output, Fields.Histogram.Sum, histogram.Sum);
            WriteDouble(output, Fields.Histogram.SumSquares, histogram.SumSquares);
            WritePackedDoubles(output, Fields.Histogram.BucketLimit, histogram.BucketLimits);
            WritePackedDoubles(output, Fields.Histogram.Bucket, histogram.BucketCounts);
        });
        return SummaryEvent(histogram.WallTime, histogram.Step, Encode(output =>
        {
            WriteTag(output, histogram.Tag);
            WriteMessage(output, Fields.Value.Histogram, histo);
        }));
    }

    private static byte[] SummaryEvent(double wallTime, long step, byte[] value) => Encode(output =>
    {
        output.WriteTag(Fields.Event.WallTime, WireFormat.WireType.Fixed64);
        output.WriteDouble(wallTime);
        output.WriteTag(Fields.Event.Step, WireFormat.WireType.Varint);
        output.WriteInt64(step);
        WriteMessage(output, Fields.Event.Summary, Encode(summary => WriteMessage(summary, Fields.Summary.Value, value)));
    });

    private static void WriteTag(CodedOutputStream output, string tag)
    {
        output.WriteTag(Fields.Value.Tag, WireFormat.WireType.LengthDelimited);
        output.WriteString(tag);
    }

    private static void WriteDouble(CodedOutputStream output, int field, double value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed64);
        output.WriteDouble(value);
    }

    private static void WritePackedDoubles(CodedOutputStream output, int field, IReadOnlyList<double> values)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(values.Count * sizeof(double));
        foreach (var v in values)
        {
            output.WriteDouble(v);
        }
    }

    private static void WriteMessage(CodedOutputStream output, int field, byte[] message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(message));
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }
        return buffer.ToArray();
    }
}
