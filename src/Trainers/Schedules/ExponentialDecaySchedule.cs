namespace MLNetDeep.Trainers.Schedules;

/// <summary>
/// Exponential decay, as Keras' <c>ExponentialDecay</c>: η(t) = η₀ · r^(t / s), with decay rate
/// r = <see cref="DecayRate"/> (default 0.1) and s = <see cref="DecaySteps"/>. With
/// <see cref="Staircase"/>, t / s is rounded down. Advances per step by default.
/// </summary>
public sealed class ExponentialDecaySchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="decaySteps">s: the time over which the rate shrinks by a factor r. Must be &gt; 0.</param>
    /// <param name="decayRate">r, in (0, 1]. Default: 0.1, Géron's choice (the rate drops 10× every s steps).</param>
    public ExponentialDecaySchedule(double decaySteps, double decayRate = 0.1)
    {
        if (!(decaySteps > 0))
            throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be > 0.");
        if (!(decayRate > 0 && decayRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(decayRate), decayRate, "decayRate must be in (0, 1].");
        DecaySteps = decaySteps;
        DecayRate = decayRate;
        Interval = ScheduleInterval.Step;
    }

    /// <summary>s, in units of <see cref="LearningRateSchedule.Interval"/>.</summary>
    public double DecaySteps { get; }

    /// <summary>r.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the exponent t / s is rounded down, so the rate falls in steps. Default: false.</summary>
    public bool Staircase { get; init; }

    /// <inheritdoc />
    public override double LearningRate(double initialLearningRate, long t)
    {
        double exponent = t / DecaySteps;
        return initialLearningRate * Math.Pow(DecayRate, Staircase ? Math.Floor(exponent) : exponent);
    }
}
