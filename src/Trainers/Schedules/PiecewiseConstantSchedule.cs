namespace MLNetDeep.Trainers.Schedules;

/// <summary>
/// Piecewise-constant rates: η(t) = values[i] for boundaries[i−1] ≤ t &lt; boundaries[i] (with
/// boundaries[−1] = 0 and boundaries[n] = ∞), as Keras' <c>PiecewiseConstantDecay</c>. The options'
/// initial rate is not used. Advances per epoch by default, as in Géron's example (0.01 for 5 epochs,
/// 0.005 for 10, then 0.001).
/// </summary>
public sealed class PiecewiseConstantSchedule : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _values;

    /// <summary>Creates the schedule.</summary>
    /// <param name="boundaries">Strictly increasing times at which the rate changes.</param>
    /// <param name="values">The rates: one more than there are boundaries, each &gt; 0.</param>
    public PiecewiseConstantSchedule(IReadOnlyList<long> boundaries, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != boundaries.Count + 1)
            throw new ArgumentException($"values has {values.Count} rates for {boundaries.Count} boundaries; it needs {boundaries.Count + 1}.", nameof(values));
        for (int i = 1; i < boundaries.Count; i++)
        {
            if (boundaries[i] <= boundaries[i - 1])
                throw new ArgumentException($"boundaries must increase strictly; boundaries[{i}] = {boundaries[i]} follows {boundaries[i - 1]}.", nameof(boundaries));
        }
        if (values.Any(v => !(v > 0 && v <= float.MaxValue)))
            throw new ArgumentException("Every rate in values must be > 0 and at most 3.4E+38: the optimizers hold rates as float.", nameof(values));
        _boundaries = boundaries.ToArray();
        _values = values.ToArray();
        Interval = ScheduleInterval.Epoch;
    }

    /// <inheritdoc />
    public override double LearningRate(double initialLearningRate, long t)
    {
        int i = 0;
        while (i < _boundaries.Length && t >= _boundaries[i])
            i++;
        return _values[i];
    }
}
