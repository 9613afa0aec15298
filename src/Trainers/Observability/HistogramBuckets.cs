namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// TensorFlow's default histogram buckets (tensorflow/core/lib/histogram/histogram.cc): right edges growing by 10%
/// from 1e-12 to 1e20, mirrored for negatives, with 0 and ±double.MaxValue, so one bucket layout fits weights,
/// gradients and activations of any scale at a relative resolution of 10%.
/// </summary>
internal static class HistogramBuckets
{
    /// <summary>The 1,551 ascending right edges.</summary>
    public static readonly double[] DefaultLimits = BuildDefaultLimits();

    /// <summary>
    /// Summarises the finite values of <paramref name="values"/> as TensorFlow does; null when none is finite.
    /// Empty buckets next to each other are merged into one, as TensorFlow writes them, so a histogram of a few
    /// clustered values stays small on disk.
    /// </summary>
    public static TensorBoardHistogram? Summarise(string tag, long step, double wallTime, ReadOnlySpan<float> values)
    {
        var counts = new double[DefaultLimits.Length];
        double min = double.MaxValue, max = double.MinValue, num = 0, sum = 0, sumSquares = 0;
        foreach (var f in values)
        {
            if (!float.IsFinite(f))
            {
                continue;
            }
            double v = f;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            num++;
            sum += v;
            sumSquares += v * v;
            counts[UpperBound(v)]++;
        }
        if (num == 0)
        {
            return null;
        }

        var limits = new List<double>();
        var merged = new List<double>();
        for (var i = 0; i < counts.Length;)
        {
            var limit = DefaultLimits[i];
            var count = counts[i];
            i++;
            if (count == 0)
            {
                while (i < counts.Length && counts[i] == 0)
                {
                    limit = DefaultLimits[i];
                    i++;
                }
            }
            limits.Add(limit);
            merged.Add(count);
        }
        return new TensorBoardHistogram(tag, step, wallTime, min, max, num, sum, sumSquares, limits, merged);
    }

    /// <summary>The index of the first limit above <paramref name="value"/>: the bucket [limit[i-1], limit[i]) holding it.</summary>
    private static int UpperBound(double value)
    {
        int lo = 0, hi = DefaultLimits.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (DefaultLimits[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        // Only a value of double.MaxValue lands past the end; floats never do, but stay in bounds regardless.
        return Math.Min(lo, DefaultLimits.Length - 1);
    }

    private static double[] BuildDefaultLimits()
    {
        var positive = new List<double>();
        // Repeated multiplication, not Math.Pow, so the edges equal TensorFlow's to the last bit.
        for (var v = 1.0e-12; v < 1.0e20; v *= 1.1)
        {
            positive.Add(v);
        }
        positive.Add(double.MaxValue);
        var limits = new List<double>(2 * positive.Count + 1);
        for (var i = positive.Count - 1; i >= 0; i--)
        {
            limits.Add(-positive[i]);
        }
        limits.Add(0.0);
        limits.AddRange(positive);
        return limits.ToArray();
    }
}
