namespace MLNetDeep.Trainers.Schedules;

/// <summary>
/// Leslie Smith's 1cycle policy as Géron describes it: the rate climbs linearly from η_max / 10 to
/// η_max over the first half of the cycle (minus the final phase), falls linearly back to η_max / 10
/// over the second half, then drops linearly to η_max / 1000 over the last
/// <see cref="FinalPhaseFraction"/> of training. Momentum moves the other way: from 0.95 down to 0.85
/// while the rate rises, back up to 0.95 while it falls, and stays there. Advances per step.
/// </summary>
/// <remarks>η_max is the options' learning rate unless <see cref="MaximumLearningRate"/> is set.</remarks>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="totalSteps">Steps in the whole run (epochs × batches per epoch). Must be &gt; 0.</param>
    public OneCycleSchedule(long totalSteps)
    {
        if (totalSteps <= 0)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "totalSteps must be > 0.");
        TotalSteps = totalSteps;
        Interval = ScheduleInterval.Step;
    }

    /// <summary>Steps in the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>η_max; null uses the options' learning rate. Default: null.</summary>
    public double? MaximumLearningRate { get; init; }

    /// <summary>Share of the run spent annealing to η_max / 1000 after the cycle. Default: 0.1.</summary>
    public double FinalPhaseFraction { get; init; } = 0.1;

    /// <summary>Momentum at the cycle's ends. Default: 0.95.</summary>
    public double MaximumMomentum { get; init; } = 0.95;

    /// <summary>Momentum at the cycle's peak rate. Default: 0.85.</summary>
    public double MinimumMomentum { get; init; } = 0.85;

    private long CycleSteps => (long)Math.Round(TotalSteps * (1 - FinalPhaseFraction));

    /// <inheritdoc />
    public override double LearningRate(double initialLearningRate, long t)
    {
        double max = MaximumLearningRate ?? initialLearningRate;
        double start = max / 10;
        long half = Math.Max(1, CycleSteps / 2);
        if (t < half)
            return start + (max - start) * t / half;
        if (t < 2 * half)
            return max - (max - start) * (t - half) / half;
        long tail = Math.Max(1, TotalSteps - 2 * half);
        double progress = Math.Min(1.0, (t - 2 * half) / (double)tail);
        return start - (start - max / 1000) * progress;
    }

    /// <inheritdoc />
    public override double? Momentum(long t)
    {
        long half = Math.Max(1, CycleSteps / 2);
        if (t < half)
            return MaximumMomentum - (MaximumMomentum - MinimumMomentum) * t / half;
        if (t < 2 * half)
            return MinimumMomentum + (MaximumMomentum - MinimumMomentum) * (t - half) / half;
        return MaximumMomentum;
    }
}
