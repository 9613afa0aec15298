namespace MLNetDeep.Trainers.Schedules;

/// <summary>
/// The learning-rate finder's sweep: η(t) = η_min · (η_max / η_min)^(t / (n − 1)) for step t, so the first of n steps
/// runs at η_min and the last at η_max. It ignores the options' learning rate.
/// </summary>
internal sealed class ExponentialSweepSchedule : LearningRateSchedule
{
    private readonly double _minimum;
    private readonly double _logRatio;
    private readonly int _lastStep;

    public ExponentialSweepSchedule(double minimum, double maximum, int steps)
    {
        _minimum = minimum;
        _logRatio = Math.Log(maximum / minimum);
        _lastStep = steps - 1;
        Interval = ScheduleInterval.Step;
    }

    public override double LearningRate(double initialLearningRate, long t) =>
        _minimum * Math.Exp(_logRatio * Math.Min(t, _lastStep) / _lastStep);
}
