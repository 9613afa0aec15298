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
        if (o.HiddenLayers is null || o.HiddenLayers.Length == 0)
            throw Invalid(nameof(o.HiddenLayers), "(empty)", "at least one hidden layer width, e.g. { 300, 100 }");
        for (int i = 0; i < o.HiddenLayers.Length; i++)
        {
            if (o.HiddenLayers[i] < 1)
                throw Invalid($"{nameof(o.HiddenLayers)}[{i}]", o.HiddenLayers[i], "a width of at least 1");
        }
        Require(o.LearningRate > 0 && double.IsFinite(o.LearningRate), nameof(o.LearningRate), o.LearningRate, "a finite value > 0");
        Require(o.Epochs >= 1, nameof(o.Epochs), o.Epochs, "an integer >= 1");
        Require(o.BatchSize >= 1, nameof(o.BatchSize), o.BatchSize, "an integer >= 1");
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
        Require(o.HuberDelta > 0 && double.IsFinite(o.HuberDelta), nameof(o.HuberDelta), o.HuberDelta, "a finite value > 0");
        if (o.EarlyStopping is { } early)
        {
            Require(early.Patience >= 1, "EarlyStopping.Patience", early.Patience, "an integer >= 1");
            Require(early.MinDelta >= 0 && double.IsFinite(early.MinDelta), "EarlyStopping.MinDelta", early.MinDelta, "a finite value >= 0");
        }
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
