namespace MLNetDeep.Trainers.Data;

/// <summary>
/// The exact mean and unbiased variance of every feature over all rows, summed in double in row order. Both data
/// paths (in memory and the streamed pre-pass) add rows in the same order with this one class, so they get the
/// same bits; an input batch norm takes these instead of running averages (see <c>Training.InputBatchNormStatistics</c>).
/// </summary>
internal sealed class FeatureMoments
{
    private readonly double[] _sum;
    private readonly double[] _sumOfSquares;

    /// <summary>Starts with no rows of <paramref name="width"/> features.</summary>
    public FeatureMoments(int width)
    {
        _sum = new double[width];
        _sumOfSquares = new double[width];
    }

    /// <summary>Rows added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds one row (its first <c>width</c> values).</summary>
    public void Add(ReadOnlySpan<float> row)
    {
        for (int i = 0; i < _sum.Length; i++)
        {
            double value = row[i];
            _sum[i] += value;
            _sumOfSquares[i] += value * value;
        }
        Count++;
    }

    /// <summary>Adds every row of a row-major matrix.</summary>
    public static FeatureMoments Of(float[] rowMajor, int width)
    {
        var moments = new FeatureMoments(width);
        for (long start = 0; start + width <= rowMajor.LongLength; start += width)
            moments.Add(rowMajor.AsSpan(checked((int)start), width));
        return moments;
    }

    /// <summary>Each feature's mean and unbiased variance (at least 2 rows).</summary>
    public (float[] Mean, float[] Variance) MeanAndVariance()
    {
        if (Count < 2)
            throw new InvalidOperationException($"A variance needs at least 2 rows; there are {Count}.");
        var mean = new float[_sum.Length];
        var variance = new float[_sum.Length];
        for (int i = 0; i < _sum.Length; i++)
        {
            double m = _sum[i] / Count;
            // Cancellation can leave a tiny negative value for a constant feature.
            mean[i] = (float)m;
            variance[i] = (float)Math.Max(0, (_sumOfSquares[i] - m * m * Count) / (Count - 1));
        }
        return (mean, variance);
    }
}
