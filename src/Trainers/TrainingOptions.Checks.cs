using MLNetDeep.Trainers.Options;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers;

// The shared options' own checks and fingerprint entries; a derived options type adds its parts after them.
public abstract partial class TrainingOptions
{
    /// <summary>
    /// The shared options no checkpoint fingerprint holds, and why; every other public one is added by
    /// <see cref="AddToFingerprint"/> (a test holds the two lists to every public property).
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> NotFingerprinted = new Dictionary<string, string>
    {
        [nameof(Epochs)] = "a finished run resumes to train for more epochs",
        [nameof(ValidationFraction)] = "the split's rows are hashed with the data",
        [nameof(ValidationSet)] = "its rows are hashed with the data",
        [nameof(SkipRowsWithNonFiniteValues)] = "the rows kept are hashed with the data",
        [nameof(DataLoading)] = "the loading mode it picks is part of the fingerprint (streamed runs add ShuffleBufferRows)",
        [nameof(InMemoryLimitBytes)] = "the loading mode it picks is part of the fingerprint",
        [nameof(CheckpointDirectory)] = "where the checkpoint is, not what it holds",
        [nameof(TensorBoardLogDirectory)] = "observes training without changing it",
        [nameof(Progress)] = "observes training without changing it",
        [nameof(RecordGradientNorms)] = "observes training without changing it",
        [nameof(NumberOfThreads)] = "changes only floating-point rounding, not what is trained",
    };

    /// <summary>Whether the network has batch-normalization layers (they need at least 2 rows per batch).</summary>
    internal virtual bool UsesBatchNormalization => false;

    /// <summary>Checks every option; the messages name the concrete options type and the option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, with its name, value and the allowed range.</exception>
    internal virtual void Validate()
    {
        var check = new OptionChecks(GetType().Name);
        check.RequireName(LabelColumnName, nameof(LabelColumnName));
        check.RequireName(FeatureColumnName, nameof(FeatureColumnName));
        // libtorch applies the rate in float: a larger one fails inside the optimizer with an overflow error.
        check.Require(LearningRate > 0 && LearningRate <= float.MaxValue, nameof(LearningRate), LearningRate, "a finite value > 0 and at most 3.4E+38 (float range)");
        if (Epochs is int epochs)
            check.Require(epochs >= 1, nameof(Epochs), epochs, "an integer >= 1, or null for the size-dependent default");
        check.Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "an integer >= 1");
        // One row has no variance: batch normalization would turn its running variance into NaN.
        check.Require(BatchSize >= 2 || !UsesBatchNormalization, nameof(BatchSize), BatchSize, "an integer >= 2 with batch normalization (a batch needs two rows for a variance)");
        if (ValidationFraction is double fraction)
            check.Require(fraction >= 0 && fraction < 1, nameof(ValidationFraction), fraction, "a value in [0, 1), or null for the size-dependent default");
        check.Require(L1 >= 0 && double.IsFinite(L1), nameof(L1), L1, "a finite value >= 0");
        if (L2 is double l2)
            check.Require(l2 >= 0 && double.IsFinite(l2), nameof(L2), l2, "a finite value >= 0, or null for the size-dependent default");
        check.Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), Momentum, "a value in [0, 1)");
        check.Require(Beta1 >= 0 && Beta1 < 1, nameof(Beta1), Beta1, "a value in [0, 1)");
        check.Require(Beta2 >= 0 && Beta2 < 1, nameof(Beta2), Beta2, "a value in [0, 1)");
        check.Require(Epsilon > 0 && double.IsFinite(Epsilon), nameof(Epsilon), Epsilon, "a finite value > 0");
        check.Require(Rho >= 0 && Rho < 1, nameof(Rho), Rho, "a value in [0, 1)");
        check.Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "a finite value >= 0");
        if (NumberOfThreads is int threads)
            check.Require(threads >= 1, nameof(NumberOfThreads), threads, "an integer >= 1, or null for libtorch's default");
        if (GradientClipNorm is double clipNorm)
            check.Require(clipNorm > 0 && double.IsFinite(clipNorm), nameof(GradientClipNorm), clipNorm, "a finite value > 0, or null");
        if (GradientClipValue is double clipValue)
            check.Require(clipValue > 0 && double.IsFinite(clipValue), nameof(GradientClipValue), clipValue, "a finite value > 0, or null");
        if (MaxNorm is double maxNorm)
            check.Require(maxNorm > 0 && double.IsFinite(maxNorm), nameof(MaxNorm), maxNorm, "a finite value > 0, or null");
        check.RequireDefined(Optimizer, nameof(Optimizer));
        check.RequireDefined(DataLoading, nameof(DataLoading));
        check.Require(InMemoryLimitBytes > 0, nameof(InMemoryLimitBytes), InMemoryLimitBytes, "a byte count > 0 (data larger than it is streamed when DataLoading is Auto)");
        check.Require(ShuffleBufferRows >= 1, nameof(ShuffleBufferRows), ShuffleBufferRows, "a row count >= 1 (rows held to shuffle a streamed epoch)");
        // Only validation the user set counts: the automatic hold-out depends on the row count, unknown here.
        bool hasValidation = ValidationSet is not null || ValidationFraction > 0;
        if (EarlyStopping is { } early)
        {
            check.Require(early.Patience >= 1, "EarlyStopping.Patience", early.Patience, "an integer >= 1");
            check.Require(early.MinDelta >= 0 && double.IsFinite(early.MinDelta), "EarlyStopping.MinDelta", early.MinDelta, "a finite value >= 0");
            check.RequireDefined(early.Metric, "EarlyStopping.Metric");
            // Found here rather than after the data is read, so the run fails before any work.
            check.Require(hasValidation || early.Metric == EarlyStoppingMetric.TrainingLoss, "EarlyStopping.Metric", early.Metric,
                "TrainingLoss when there is no validation data (set ValidationFraction or ValidationSet to monitor a validation metric)");
        }
        if (LearningRateSchedule is ReduceOnPlateauSchedule plateau)
            ValidatePlateau(check, plateau, hasValidation);
        if (LearningRateSchedule is OneCycleSchedule oneCycle)
            ValidateOneCycle(check, oneCycle);
        if (LearningRateSchedule is CosineDecaySchedule cosine)
            check.Require(cosine.MinimumLearningRate >= 0 && cosine.MinimumLearningRate <= LearningRate, "LearningRateSchedule.MinimumLearningRate",
                cosine.MinimumLearningRate, $"a value >= 0 and at most the LearningRate ({LearningRate})");
        check.RequireFolder(CheckpointDirectory, nameof(CheckpointDirectory));
        check.RequireFolder(TensorBoardLogDirectory, nameof(TensorBoardLogDirectory));
    }

    /// <summary>
    /// Adds every option that shapes the training trajectory, as resolved for the data (call it on the options
    /// <see cref="SmallDataDefaults.Resolve"/> returned); the resolved seed is added by the caller as "Seed".
    /// </summary>
    internal virtual void AddToFingerprint(FingerprintText f)
    {
        f.Add(nameof(LabelColumnName), LabelColumnName);
        f.Add(nameof(FeatureColumnName), FeatureColumnName);
        f.Add(nameof(L1), L1);
        // The resolved factor (SmallDataDefaults): an unset L2 that resolved to 0.001 trains as L2 = 0.001 does.
        f.Add(nameof(L2), L2Factor);
        f.Add(nameof(Optimizer), Optimizer);
        f.Add(nameof(LearningRate), LearningRate);
        f.Add(nameof(Momentum), Momentum);
        f.Add(nameof(Beta1), Beta1);
        f.Add(nameof(Beta2), Beta2);
        f.Add(nameof(Epsilon), Epsilon);
        f.Add(nameof(Rho), Rho);
        f.Add(nameof(WeightDecay), WeightDecay);
        f.Add(nameof(BatchSize), BatchSize);
        f.Add(nameof(Shuffle), Shuffle);
        f.Add(nameof(LearningRateSchedule), Describe(LearningRateSchedule));
        f.Add(nameof(GradientClipNorm), GradientClipNorm);
        f.Add(nameof(GradientClipValue), GradientClipValue);
        f.Add(nameof(MaxNorm), MaxNorm);
        // The optimizer state's shapes follow the parameter layout, so one layout cannot resume the other's.
        f.Add(nameof(FlatParameterBuffer), FlatParameterBuffer);
        f.Add(nameof(EarlyStopping), EarlyStopping is { } e ? $"{e.Metric},{e.Patience},{e.MinDelta},{e.RestoreBestWeights}" : null);
        f.Add(nameof(PreciseBatchNormStatistics), PreciseBatchNormStatistics);
    }

    /// <summary>A schedule's type and its public settings (its mutable state, such as a plateau's counters, is not public).</summary>
    private static string? Describe(LearningRateSchedule? schedule) =>
        schedule is null
            ? null
            : schedule.GetType().FullName + "(" + string.Join(",", schedule.GetType().GetProperties()
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
                .OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => $"{p.Name}={Convert.ToString(p.GetValue(schedule), System.Globalization.CultureInfo.InvariantCulture)}")) + ")";

    private static void ValidatePlateau(OptionChecks check, ReduceOnPlateauSchedule p, bool hasValidation)
    {
        const string Name = "LearningRateSchedule";
        check.Require(p.Factor > 0 && p.Factor < 1, $"{Name}.Factor", p.Factor, "a value in (0, 1)");
        check.Require(p.Patience >= 1, $"{Name}.Patience", p.Patience, "an integer >= 1");
        check.Require(p.Cooldown >= 0, $"{Name}.Cooldown", p.Cooldown, "an integer >= 0");
        check.Require(p.MinDelta >= 0 && double.IsFinite(p.MinDelta), $"{Name}.MinDelta", p.MinDelta, "a finite value >= 0");
        check.Require(p.MinimumLearningRate >= 0 && double.IsFinite(p.MinimumLearningRate), $"{Name}.MinimumLearningRate", p.MinimumLearningRate, "a finite value >= 0");
        check.RequireDefined(p.Metric, $"{Name}.Metric");
        check.Require(p.Metric is EarlyStoppingMetric.ValidationLoss or EarlyStoppingMetric.TrainingLoss, $"{Name}.Metric", p.Metric, "ValidationLoss or TrainingLoss");
        check.Require(hasValidation || p.Metric == EarlyStoppingMetric.TrainingLoss, $"{Name}.Metric", p.Metric,
            "TrainingLoss when there is no validation data (set ValidationFraction or ValidationSet to watch ValidationLoss)");
    }

    /// <summary>The 1cycle rates are multiples of η_max, so a finite η_max in the float range keeps every rate there.</summary>
    private static void ValidateOneCycle(OptionChecks check, OneCycleSchedule c)
    {
        const string Name = "LearningRateSchedule";
        if (c.MaximumLearningRate is double max)
            check.Require(max > 0 && max <= float.MaxValue, $"{Name}.MaximumLearningRate", max, "null or a finite value > 0 and at most 3.4E+38 (float range)");
        check.Require(c.FinalPhaseFraction >= 0 && c.FinalPhaseFraction < 1, $"{Name}.FinalPhaseFraction", c.FinalPhaseFraction, "a value in [0, 1)");
        check.Require(c.MinimumMomentum >= 0 && c.MinimumMomentum < 1, $"{Name}.MinimumMomentum", c.MinimumMomentum, "a value in [0, 1)");
        check.Require(c.MaximumMomentum >= c.MinimumMomentum && c.MaximumMomentum < 1, $"{Name}.MaximumMomentum", c.MaximumMomentum,
            $"a value in [MinimumMomentum ({c.MinimumMomentum}), 1)");
    }
}
