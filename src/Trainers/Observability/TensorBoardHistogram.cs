namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// One histogram as an event file stores it (TensorFlow's <c>HistogramProto</c>). Bucket <c>i</c> counts the values
/// in [<c>BucketLimits[i-1]</c>, <c>BucketLimits[i]</c>); the first bucket starts at <see cref="Min"/>.
/// </summary>
/// <param name="Tag">The series name, e.g. "weights/dense_1".</param>
/// <param name="Step">The step it was logged at.</param>
/// <param name="WallTime">When it was written, in seconds since the Unix epoch.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="Count">How many values (a double, as the proto stores it).</param>
/// <param name="Sum">The sum of the values.</param>
/// <param name="SumSquares">The sum of the squared values.</param>
/// <param name="BucketLimits">The right edge of each bucket, ascending.</param>
/// <param name="BucketCounts">How many values fell in each bucket; as long as <paramref name="BucketLimits"/>.</param>
public sealed record TensorBoardHistogram(
    string Tag,
    long Step,
    double WallTime,
    double Min,
    double Max,
    double Count,
    double Sum,
    double SumSquares,
    IReadOnlyList<double> BucketLimits,
    IReadOnlyList<double> BucketCounts);
