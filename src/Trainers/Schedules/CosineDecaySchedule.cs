namespace MLNetDeep.Trainers.Schedules;

/// <summary>
/// Cosine annealing: η(t) = η_min + ½(η₀ − η_min)(1 + cos(π · min(t, T) / T)), with T =
/// <see cref="DecaySteps"/> and η_min = <see cref="MinimumLearningRate"/> (default 0). Advances per step by default.
/// </summary>
public sealed class CosineDecaySchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="decaySteps">T: the time at which the rate reaches its minimum and stays. Must be &gt; 0.</param>
    public CosineDecaySchedule(long decaySteps)
    {
        if (decaySteps <= 0)
            throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be > 0.");
        DecaySteps = decaySteps;
        Interval = ScheduleInterval.Step;
    }

    /// <summary>T.</summary>
    public long DecaySteps { get; }

    /// <summary>η_min. Default: 0.</summary>
    public double MinimumLearningRate { get; init; }

    /// <inheritdoc />
    public override double LearningRate(double initialLearningRate, long t)
    {
        double progress = Math.Min(t, DecaySteps) / (double)DecaySteps;
        return MinimumLearningRate + 0.5 * (initialLearningRate - MinimumLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }
}
