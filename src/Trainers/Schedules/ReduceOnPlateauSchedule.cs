namespace MLNetDeep.Trainers.Schedules;

/// <summary>
/// Performance scheduling, as Keras' <c>ReduceLROnPlateau</c>: when the monitored epoch metric has not
/// improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs, the rate is
/// multiplied by <see cref="Factor"/> (never below <see cref="MinimumLearningRate"/>), then
/// <see cref="Cooldown"/> epochs pass before counting again. Advances per epoch.
/// </summary>
public sealed class ReduceOnPlateauSchedule : LearningRateSchedule
{
    private double _scale = 1;
    private double? _best;
    private int _wait;
    private int _cooldownLeft;

    /// <summary>Creates the schedule with Keras' defaults.</summary>
    public ReduceOnPlateauSchedule() => Interval = ScheduleInterval.Epoch;

    /// <summary>What to watch: <see cref="EarlyStoppingMetric.ValidationLoss"/> (default) or <see cref="EarlyStoppingMetric.TrainingLoss"/>; both are minimized.</summary>
    public EarlyStoppingMetric Metric { get; init; } = EarlyStoppingMetric.ValidationLoss;

    /// <summary>Multiplier applied on a plateau, in (0, 1). Default: 0.5 (Géron uses 0.5 with patience 5).</summary>
    public double Factor { get; init; } = 0.5;

    /// <summary>Epochs without improvement before reducing. Default: 5.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Epochs to wait after a reduction before counting again. Default: 0.</summary>
    public int Cooldown { get; init; }

    /// <summary>Smallest change that counts as improvement. Default: 1e-4 (Keras).</summary>
    public double MinDelta { get; init; } = 1e-4;

    /// <summary>Floor for the rate. Default: 0.</summary>
    public double MinimumLearningRate { get; init; }

    /// <inheritdoc />
    public override double LearningRate(double initialLearningRate, long t) =>
        Math.Max(MinimumLearningRate, initialLearningRate * _scale);

    /// <inheritdoc />
    public override void OnEpochEnd(EpochRecord record)
    {
        double? value = Metric == EarlyStoppingMetric.TrainingLoss ? record.TrainLoss : record.ValidationLoss;
        if (value is not double current)
            throw new InvalidOperationException($"ReduceOnPlateauSchedule watches {Metric}, which epoch {record.Epoch} did not measure; give the trainer validation data or watch TrainingLoss.");
        // Keras' order: leave cooldown first, so the epoch that ends it already counts towards patience.
        if (_cooldownLeft > 0)
        {
            _cooldownLeft--;
            _wait = 0;
        }
        if (_best is not double best || current < best - MinDelta)
        {
            _best = current;
            _wait = 0;
        }
        else if (_cooldownLeft == 0 && ++_wait >= Patience)
        {
            _scale *= Factor;
            _cooldownLeft = Cooldown;
            _wait = 0;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> SaveState() => new Dictionary<string, double>
    {
        ["scale"] = _scale, ["best"] = _best ?? double.NaN, ["wait"] = _wait, ["cooldown"] = _cooldownLeft,
    };

    /// <inheritdoc />
    public override void LoadState(IReadOnlyDictionary<string, double> state)
    {
        _scale = state["scale"];
        _best = double.IsNaN(state["best"]) ? null : state["best"];
        _wait = (int)state["wait"];
        _cooldownLeft = (int)state["cooldown"];
    }

    /// <inheritdoc />
    public override void Reset()
    {
        _scale = 1;
        _best = null;
        _wait = 0;
        _cooldownLeft = 0;
    }
}
