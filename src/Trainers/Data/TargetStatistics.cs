namespace MLNetDeep.Trainers.Data;

/// <summary>
/// What the objectives and the class checks need from a set of targets, accumulated one row at a time so a
/// streamed pass can compute it without keeping the rows: the count, the distinct values of a categorical
/// label, and the mean and variance (Welford's update, in double) for label standardization.
/// </summary>
internal sealed class TargetStatistics
{
    private readonly HashSet<float>? _classes;
    private double _mean;
    private double _squaredDeviations;

    /// <param name="trackClasses">Whether to collect the distinct targets; only for class labels, whose count is bounded.</param>
    public TargetStatistics(bool trackClasses) => _classes = trackClasses ? new HashSet<float>() : null;

    /// <summary>Rows added.</summary>
    public long Count { get; private set; }

    /// <summary>Rows whose target is not 0: the positive rows of a binary label.</summary>
    public long NonZero { get; private set; }

    /// <summary>The distinct targets (class indices), or empty when classes are not tracked.</summary>
    public IReadOnlyCollection<float> Classes => (IReadOnlyCollection<float>?)_classes ?? Array.Empty<float>();

    /// <summary>The mean target (0 when empty).</summary>
    public double Mean => _mean;

    /// <summary>The population standard deviation of the targets (0 when empty).</summary>
    public double StandardDeviation => Count == 0 ? 0 : Math.Sqrt(_squaredDeviations / Count);

    public void Add(float target)
    {
        Count++;
        if (target != 0)
            NonZero++;
        _classes?.Add(target);
        // Welford's update: one pass, and stable where a running sum of squares would cancel.
        double delta = target - _mean;
        _mean += delta / Count;
        _squaredDeviations += delta * (target - _mean);
    }

    /// <summary>The statistics of targets already in memory, computed exactly as a streamed pass computes them.</summary>
    public static TargetStatistics Of(IEnumerable<float> targets, bool trackClasses)
    {
        var statistics = new TargetStatistics(trackClasses);
        foreach (float target in targets)
            statistics.Add(target);
        return statistics;
    }
}
