namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Tracks the monitored metric across epochs, decides when patience has run out, and says whether
/// the latest epoch is the best so far (so the loop can snapshot its weights).
/// </summary>
internal sealed class EarlyStoppingMonitor
{
    private readonly EarlyStoppingOptions _options;
    private readonly bool _higherIsBetter;
    private readonly Func<EpochRecord, double?> _read;
    private int _epochsWithoutImprovement;

    public EarlyStoppingMonitor(EarlyStoppingOptions options, ITrainingObjective objective, bool hasValidation)
    {
        _options = options;
        var metric = options.Metric;
        if (metric != EarlyStoppingMetric.TrainingLoss && !hasValidation)
        {
            throw new ArgumentException(
                $"EarlyStopping.Metric is {metric}, which needs validation data: set ValidationFraction or ValidationSet, " +
                "or monitor EarlyStoppingMetric.TrainingLoss.");
        }
        (_read, _higherIsBetter) = metric switch
        {
            EarlyStoppingMetric.ValidationLoss => ((Func<EpochRecord, double?>)(r => r.ValidationLoss), false),
            EarlyStoppingMetric.TrainingLoss => (r => r.TrainLoss, false),
            _ when metric == objective.ValidationMetricKind => (r => r.ValidationMetric, objective.HigherMetricIsBetter),
            EarlyStoppingMetric.ValidationAuc when objective.HasValidationAuc => (r => r.ValidationAuc, true),
            _ => throw new ArgumentException(
                $"EarlyStopping.Metric {metric} does not apply to this task; use ValidationLoss, TrainingLoss or {objective.ValidationMetricKind}" +
                (objective.HasValidationAuc ? $" or {EarlyStoppingMetric.ValidationAuc}." : ".")),
        };
    }

    public double? BestValue { get; private set; }

    public int BestEpoch { get; private set; }

    /// <summary>Records an epoch; returns true when it improved on the best by more than MinDelta.</summary>
    public bool Observe(EpochRecord record)
    {
        double value = _read(record) ?? double.NaN;
        bool improved = BestValue is not double best
            || (_higherIsBetter ? value > best + _options.MinDelta : value < best - _options.MinDelta);
        if (improved && !double.IsNaN(value))
        {
            BestValue = value;
            BestEpoch = record.Epoch;
            _epochsWithoutImprovement = 0;
            return true;
        }
        _epochsWithoutImprovement++;
        return false;
    }

    public bool ShouldStop => _epochsWithoutImprovement >= _options.Patience;

    public Dictionary<string, double> SaveState() => new()
    {
        ["best"] = BestValue ?? double.NaN, ["bestEpoch"] = BestEpoch, ["wait"] = _epochsWithoutImprovement,
    };

    public void LoadState(IReadOnlyDictionary<string, double> state)
    {
        BestValue = double.IsNaN(state["best"]) ? null : state["best"];
        BestEpoch = (int)state["bestEpoch"];
        _epochsWithoutImprovement = (int)state["wait"];
    }
}
