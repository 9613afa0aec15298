namespace MLNetDeep.Trainers.Data;

/// <summary>
/// The training rows batch-normalization statistics are computed from: every s-th row, s the smallest power of two
/// that leaves at most <see cref="MaximumRows"/> of them. A power of two lets a streamed pre-pass, which learns the row
/// count only at its end, keep exactly the rows the in-memory path picks: it keeps every s-th row and, whenever that
/// overflows, doubles s and drops every other kept row.
/// </summary>
internal sealed class StatisticsSample
{
    private const long MaximumFloats = 16L << 20;
    private readonly int _width;
    private readonly int _capacity;
    private readonly List<float[]> _rows = new();
    private long _seen;
    private long _stride = 1;

    /// <summary>Starts an empty sample of rows of <paramref name="width"/> features.</summary>
    public StatisticsSample(int width)
    {
        _width = width;
        _capacity = MaximumRows(width);
    }

    /// <summary>
    /// At most 8,192 rows: Wu and Johnson ("Rethinking 'Batch' in BatchNorm", 2021) find about 10⁴ samples enough for
    /// precise statistics. Fewer for wide rows, so that the sample stays within 64 MiB, but never under 256.
    /// </summary>
    public static int MaximumRows(int width) => (int)Math.Clamp(MaximumFloats / Math.Max(1, width), 256, 8192);

    /// <summary>The smallest power of two s for which every s-th of <paramref name="rows"/> rows is at most <paramref name="maximumRows"/> rows.</summary>
    public static long Stride(long rows, int maximumRows)
    {
        long stride = 1;
        while ((rows + stride - 1) / stride > maximumRows)
            stride *= 2;
        return stride;
    }

    /// <summary>Offers the next training row (rows must come in training-row order).</summary>
    public void Add(ReadOnlySpan<float> features)
    {
        if (_seen++ % _stride != 0)
            return;
        _rows.Add(features[.._width].ToArray());
        if (_rows.Count > _capacity)
        {
            // Rows kept so far sit at 0, s, 2s, …: those at multiples of 2s are the even positions.
            _stride *= 2;
            int kept = (_rows.Count + 1) / 2;
            for (int i = 0; i < kept; i++)
                _rows[i] = _rows[2 * i];
            _rows.RemoveRange(kept, _rows.Count - kept);
        }
    }

    /// <summary>The kept rows, row-major.</summary>
    public float[] ToArray()
    {
        var all = new float[(long)_rows.Count * _width];
        for (int i = 0; i < _rows.Count; i++)
            _rows[i].CopyTo(all, (long)i * _width);
        return all;
    }
}
