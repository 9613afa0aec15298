using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers;

/// <summary>
/// Checks <see cref="DeepNeuralNetworkOptions"/> before any work, so a bad value fails at once with
/// the option's name and its allowed range rather than deep inside training.
/// </summary>
internal static class OptionsValidator
{
    public static void Validate(DeepNeuralNetworkOptions o)
    {
        RequireName(o.LabelColumnName, nameof(o.LabelColumnName));
        RequireName(o.FeatureColumnName, nameof(o.FeatureColumnName));
        // Empty is a linear model (softmax, logistic or linear regression): the head transfer learning puts on a backbone.
        if (o.HiddenLayers is null)
            throw Invalid(nameof(o.HiddenLayers), "null", "hidden layer widths, e.g. { 300, 100 }, or an empty array for a linear model");
        for (int i = 0; i < o.HiddenLayers.Length; i++)
        {
            if (o.HiddenLayers[i] < 1)
                throw Invalid($"{nameof(o.HiddenLayers)}[{i}]", o.HiddenLayers[i], "a width of at least 1");
        }
        // libtorch applies the rate in float: a larger one fails inside the optimizer with an overflow error.
        Require(o.LearningRate > 0 && o.LearningRate <= float.MaxValue, nameof(o.LearningRate), o.LearningRate, "a finite value > 0 and at most 3.4E+38 (float range)");
        Require(o.Epochs >= 1, nameof(o.Epochs), o.Epochs, "an integer >= 1");
        Require(o.BatchSize >= 1, nameof(o.BatchSize), o.BatchSize, "an integer >= 1");
        // One row has no variance: batch normalization would turn its running variance into NaN.
        Require(o.BatchSize >= 2 || !UsesBatchNormalization(o), nameof(o.BatchSize), o.BatchSize, "an integer >= 2 with batch normalization (a batch needs two rows for a variance)");
        Require(o.ValidationFraction >= 0 && o.ValidationFraction < 1, nameof(o.ValidationFraction), o.ValidationFraction, "a value in [0, 1)");
        Require(o.DropoutRate >= 0 && o.DropoutRate < 1, nameof(o.DropoutRate), o.DropoutRate, "a value in [0, 1)");
        Require(o.L1 >= 0 && double.IsFinite(o.L1), nameof(o.L1), o.L1, "a finite value >= 0");
        Require(o.L2 >= 0 && double.IsFinite(o.L2), nameof(o.L2), o.L2, "a finite value >= 0");
        Require(o.Momentum >= 0 && o.Momentum < 1, nameof(o.Momentum), o.Momentum, "a value in [0, 1)");
        Require(o.Beta1 >= 0 && o.Beta1 < 1, nameof(o.Beta1), o.Beta1, "a value in [0, 1)");
        Require(o.Beta2 >= 0 && o.Beta2 < 1, nameof(o.Beta2), o.Beta2, "a value in [0, 1)");
        Require(o.Epsilon > 0 && double.IsFinite(o.Epsilon), nameof(o.Epsilon), o.Epsilon, "a finite value > 0");
        Require(o.Rho >= 0 && o.Rho < 1, nameof(o.Rho), o.Rho, "a value in [0, 1)");
        Require(o.WeightDecay >= 0 && double.IsFinite(o.WeightDecay), nameof(o.WeightDecay), o.WeightDecay, "a finite value >= 0");
        if (o.ActivationAlpha is double alpha)
            Require(alpha >= 0 && double.IsFinite(alpha), nameof(o.ActivationAlpha), alpha, "a finite value >= 0, or null for the activation's default");
        if (o.NumberOfThreads is int threads)
            Require(threads >= 1, nameof(o.NumberOfThreads), threads, "an integer >= 1, or null for libtorch's default");
        if (o.GradientClipNorm is double clipNorm)
            Require(clipNorm > 0 && double.IsFinite(clipNorm), nameof(o.GradientClipNorm), clipNorm, "a finite value > 0, or null");
        if (o.GradientClipValue is double clipValue)
            Require(clipValue > 0 && double.IsFinite(clipValue), nameof(o.GradientClipValue), clipValue, "a finite value > 0, or null");
        if (o.MaxNorm is double maxNorm)
            Require(maxNorm > 0 && double.IsFinite(maxNorm), nameof(o.MaxNorm), maxNorm, "a finite value > 0, or null");
        Require(o.PositiveClassWeight > 0 && double.IsFinite(o.PositiveClassWeight), nameof(o.PositiveClassWeight), o.PositiveClassWeight, "a finite value > 0");
        Require(Enum.IsDefined(o.RegressionLoss), nameof(o.RegressionLoss), o.RegressionLoss, "MeanSquaredError, MeanAbsoluteError or Huber");
        Require(o.LabelSmoothing >= 0 && o.LabelSmoothing < 1, nameof(o.LabelSmoothing), o.LabelSmoothing, "a value in [0, 1)");
        Require(o.HuberDelta > 0 && double.IsFinite(o.HuberDelta), nameof(o.HuberDelta), o.HuberDelta, "a finite value > 0");
        RequireDefined(o.Activation, nameof(o.Activation));
        RequireDefined(o.WeightInitializer, nameof(o.WeightInitializer));
        RequireDefined(o.BatchNormalization, nameof(o.BatchNormalization));
        RequireDefined(o.Optimizer, nameof(o.Optimizer));
        RequireDefined(o.DataLoading, nameof(o.DataLoading));
        Require(o.InMemoryLimitBytes > 0, nameof(o.InMemoryLimitBytes), o.InMemoryLimitBytes, "a byte count > 0 (data larger than it is streamed when DataLoading is Auto)");
        Require(o.ShuffleBufferRows >= 1, nameof(o.ShuffleBufferRows), o.ShuffleBufferRows, "a row count >= 1 (rows held to shuffle a streamed epoch)");
        bool hasValidation = o.ValidationSet is not null || o.ValidationFraction > 0;
        if (o.EarlyStopping is { } early)
        {
            Require(early.Patience >= 1, "EarlyStopping.Patience", early.Patience, "an integer >= 1");
            Require(early.MinDelta >= 0 && double.IsFinite(early.MinDelta), "EarlyStopping.MinDelta", early.MinDelta, "a finite value >= 0");
            RequireDefined(early.Metric, "EarlyStopping.Metric");
            // Found here rather than after the data is read, so the run fails before any work.
            Require(hasValidation || early.Metric == EarlyStoppingMetric.TrainingLoss, "EarlyStopping.Metric", early.Metric,
                "TrainingLoss when there is no validation data (set ValidationFraction or ValidationSet to monitor a validation metric)");
        }
        if (o.LearningRateSchedule is ReduceOnPlateauSchedule plateau)
            ValidatePlateau(plateau, hasValidation);
        if (o.LearningRateSchedule is OneCycleSchedule oneCycle)
            ValidateOneCycle(oneCycle);
        if (o.LearningRateSchedule is CosineDecaySchedule cosine)
            Require(cosine.MinimumLearningRate >= 0 && cosine.MinimumLearningRate <= o.LearningRate, "LearningRateSchedule.MinimumLearningRate",
                cosine.MinimumLearningRate, $"a value >= 0 and at most the LearningRate ({o.LearningRate})");
        RequireFolder(o.CheckpointDirectory, nameof(o.CheckpointDirectory));
        RequireFolder(o.TensorBoardLogDirectory, nameof(o.TensorBoardLogDirectory));
    }

    public static bool UsesBatchNormalization(DeepNeuralNetworkOptions o) =>
        o.BatchNormalization != BatchNormalizationPlacement.None || o.InputBatchNormalization;

    private static void ValidatePlateau(ReduceOnPlateauSchedule p, bool hasValidation)
    {
        const string Name = "LearningRateSchedule";
        Require(p.Factor > 0 && p.Factor < 1, $"{Name}.Factor", p.Factor, "a value in (0, 1)");
        Require(p.Patience >= 1, $"{Name}.Patience", p.Patience, "an integer >= 1");
        Require(p.Cooldown >= 0, $"{Name}.Cooldown", p.Cooldown, "an integer >= 0");
        Require(p.MinDelta >= 0 && double.IsFinite(p.MinDelta), $"{Name}.MinDelta", p.MinDelta, "a finite value >= 0");
        Require(p.MinimumLearningRate >= 0 && double.IsFinite(p.MinimumLearningRate), $"{Name}.MinimumLearningRate", p.MinimumLearningRate, "a finite value >= 0");
        RequireDefined(p.Metric, $"{Name}.Metric");
        Require(p.Metric is EarlyStoppingMetric.ValidationLoss or EarlyStoppingMetric.TrainingLoss, $"{Name}.Metric", p.Metric, "ValidationLoss or TrainingLoss");
        Require(hasValidation || p.Metric == EarlyStoppingMetric.TrainingLoss, $"{Name}.Metric", p.Metric,
            "TrainingLoss when there is no validation data (set ValidationFraction or ValidationSet to watch ValidationLoss)");
    }

    /// <summary>The 1cycle rates are multiples of η_max, so a finite η_max in the float range keeps every rate there.</summary>
    private static void ValidateOneCycle(OneCycleSchedule c)
    {
        const string Name = "LearningRateSchedule";
        if (c.MaximumLearningRate is double max)
            Require(max > 0 && max <= float.MaxValue, $"{Name}.MaximumLearningRate", max, "null or a finite value > 0 and at most 3.4E+38 (float range)");
        Require(c.FinalPhaseFraction >= 0 && c.FinalPhaseFraction < 1, $"{Name}.FinalPhaseFraction", c.FinalPhaseFraction, "a value in [0, 1)");
        Require(c.MinimumMomentum >= 0 && c.MinimumMomentum < 1, $"{Name}.MinimumMomentum", c.MinimumMomentum, "a value in [0, 1)");
        Require(c.MaximumMomentum >= c.MinimumMomentum && c.MaximumMomentum < 1, $"{Name}.MaximumMomentum", c.MaximumMomentum,
            $"a value in [MinimumMomentum ({c.MinimumMomentum}), 1)");
    }

    private static void RequireDefined<TEnum>(TEnum value, string option)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw Invalid(option, value, $"one of {string.Join(", ", Enum.GetNames<TEnum>())}");
    }

    /// <summary>A folder option may name a folder that does not exist yet (it is created), but not an existing file.</summary>
    private static void RequireFolder(string? path, string option)
    {
        if (path is null)
            return;
        if (string.IsNullOrWhiteSpace(path))
            throw Invalid(option, $"'{path}'", "a folder path, or null to turn it off");
        if (File.Exists(path))
            throw Invalid(option, $"'{path}'", "a folder (created if missing), but that path is an existing file");
    }

    private static void RequireName(string? name, string option)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw Invalid(option, name ?? "null", "a column name");
    }

    private static void Require(bool condition, string option, object value, string expected)
    {
        if (!condition)
            throw Invalid(option, value, expected);
    }

    private static ArgumentOutOfRangeException Invalid(string option, object value, string expected) =>
        new(option, value, $"DeepNeuralNetworkOptions.{option} is {value}; expected {expected}.");
}
