namespace MLNetDeep.Trainers.Schedules;

/// <summary>
/// Sets the learning rate (and, for 1cycle, the momentum) as training advances. The trainer asks for
/// the rate before every step; t is the step or epoch index according to <see cref="Interval"/>.
/// </summary>
/// <remarks>
/// Schedules are pure functions of t except <see cref="ReduceOnPlateauSchedule"/>, which also reacts to
/// the epoch metrics; its state is saved in checkpoints so that a resumed run continues exactly.
/// A schedule instance belongs to one training run at a time.
/// </remarks>
public abstract class LearningRateSchedule
{
    /// <summary>Whether t counts steps or epochs. Each schedule documents its default.</summary>
    public ScheduleInterval Interval { get; init; }

    /// <summary>The learning rate at time t.</summary>
    /// <param name="initialLearningRate">The rate the options set (<see cref="TrainingOptions.LearningRate"/>).</param>
    /// <param name="t">Steps or epochs done so far (0 at the start).</param>
    public abstract double LearningRate(double initialLearningRate, long t);

    /// <summary>The momentum (SGD momentum, or Adam's β₁) at time t, or null to leave it alone. Default: null.</summary>
    /// <param name="t">Steps or epochs done so far.</param>
    public virtual double? Momentum(long t) => null;

    /// <summary>Called after each epoch with its record; performance schedules use it. Default: does nothing.</summary>
    /// <param name="record">The epoch just finished.</param>
    public virtual void OnEpochEnd(EpochRecord record)
    {
    }

    /// <summary>State to carry into a checkpoint (empty for stateless schedules).</summary>
    public virtual IReadOnlyDictionary<string, double> SaveState() => new Dictionary<string, double>();

    /// <summary>Restores what <see cref="SaveState"/> returned.</summary>
    /// <param name="state">A saved state.</param>
    public virtual void LoadState(IReadOnlyDictionary<string, double> state)
    {
    }

    /// <summary>Clears run state so the instance can serve a new run. Default: does nothing.</summary>
    public virtual void Reset()
    {
    }
}
