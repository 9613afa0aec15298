namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// The protobuf field numbers of the TensorFlow messages that event files hold, kept in one place because the
/// messages are written and read by hand (no generated code, no protoc). Sources: tensorflow/core/util/event.proto,
/// tensorflow/core/framework/summary.proto and tensor.proto. Only the fields this library writes or reads are listed.
/// </summary>
internal static class EventProtoFields
{
    /// <summary><c>Event</c>: one record of an event file.</summary>
    public static class Event
    {
        /// <summary><c>double wall_time = 1</c>: seconds since the Unix epoch.</summary>
        public const int WallTime = 1;

        /// <summary><c>int64 step = 2</c>.</summary>
        public const int Step = 2;

        /// <summary><c>string file_version = 3</c> (oneof what): "brain.Event:2" in the first record.</summary>
        public const int FileVersion = 3;

        /// <summary><c>Summary summary = 5</c> (oneof what).</summary>
        public const int Summary = 5;
    }

    /// <summary><c>Summary { repeated Value value = 1; }</c>.</summary>
    public static class Summary
    {
        /// <summary><c>repeated Value value = 1</c>.</summary>
        public const int Value = 1;
    }

    /// <summary><c>Summary.Value</c>: one tagged datum.</summary>
    public static class Value
    {
        /// <summary><c>string tag = 1</c>.</summary>
        public const int Tag = 1;

        /// <summary><c>float simple_value = 2</c> (oneof value): a scalar as TF1 and tensorboardX write it.</summary>
        public const int SimpleValue = 2;

        /// <summary><c>HistogramProto histo = 5</c> (oneof value).</summary>
        public const int Histogram = 5;

        /// <summary><c>TensorProto tensor = 8</c> (oneof value): how TF2 writes scalars; read only.</summary>
        public const int Tensor = 8;
    }

    /// <summary><c>HistogramProto</c>.</summary>
    public static class Histogram
    {
        /// <summary><c>double min = 1</c>.</summary>
        public const int Min = 1;

        /// <summary><c>double max = 2</c>.</summary>
        public const int Max = 2;

        /// <summary><c>double num = 3</c>: how many values.</summary>
        public const int Num = 3;

        /// <summary><c>double sum = 4</c>.</summary>
        public const int Sum = 4;

        /// <summary><c>double sum_squares = 5</c>.</summary>
        public const int SumSquares = 5;

        /// <summary><c>repeated double bucket_limit = 6 [packed = true]</c>: right edge of each bucket.</summary>
        public const int BucketLimit = 6;

        /// <summary><c>repeated double bucket = 7 [packed = true]</c>: count in each bucket.</summary>
        public const int Bucket = 7;
    }

    /// <summary><c>TensorProto</c>, read only for TF2 scalars.</summary>
    public static class Tensor
    {
        /// <summary><c>DataType dtype = 1</c>.</summary>
        public const int Dtype = 1;

        /// <summary><c>bytes tensor_content = 4</c>: the values, little-endian.</summary>
        public const int TensorContent = 4;

        /// <summary><c>repeated float float_val = 5 [packed = true]</c>.</summary>
        public const int FloatVal = 5;

        /// <summary><c>repeated double double_val = 6 [packed = true]</c>.</summary>
        public const int DoubleVal = 6;

        /// <summary><c>DataType.DT_FLOAT</c>.</summary>
        public const int DtFloat = 1;

        /// <summary><c>DataType.DT_DOUBLE</c>.</summary>
        public const int DtDouble = 2;
    }

    /// <summary>The <c>file_version</c> every event file starts with; TensorBoard reads only version 2 files.</summary>
    public const string FileVersion = "brain.Event:2";
}
