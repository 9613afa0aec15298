using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers;

// The MLP architecture's and the task settings' own checks and fingerprint entries, after the shared ones.
public sealed partial class DeepNeuralNetworkOptions
{
    /// <summary>The architecture and task options no checkpoint fingerprint holds: none, since each shapes the trajectory.</summary>
    internal static new readonly IReadOnlyDictionary<string, string> NotFingerprinted = new Dictionary<string, string>();

    internal override bool UsesBatchNormalization =>
        BatchNormalization != BatchNormalizationPlacement.None || InputBatchNormalization;

    internal override void Validate()
    {
        var check = new OptionChecks(GetType().Name);
        ValidateArchitecture(check);
        ValidateReusedLayers(check);
        base.Validate();
        ValidateTaskSettings(check);
    }

    internal override void AddToFingerprint(FingerprintText f)
    {
        base.AddToFingerprint(f);
        f.Add(nameof(HiddenLayers), string.Join(",", HiddenLayerWidths));
        f.Add(nameof(Activation), Activation);
        f.Add(nameof(ActivationAlpha), ActivationAlpha);
        f.Add(nameof(WeightInitializer), WeightInitializer);
        f.Add(nameof(BatchNormalization), BatchNormalization);
        f.Add(nameof(InputBatchNormalization), InputBatchNormalization);
        f.Add(nameof(DropoutRate), DropoutRate);
        f.Add(nameof(PositiveClassWeight), PositiveClassWeight);
        f.Add(nameof(RegressionLoss), RegressionLoss);
        f.Add(nameof(HuberDelta), HuberDelta);
        f.Add(nameof(StandardizeLabel), StandardizeLabel);
        f.Add(nameof(LabelSmoothing), LabelSmoothing);
        AddReusedLayersToFingerprint(f);
    }

    private void ValidateArchitecture(OptionChecks check)
    {
        // Empty is a linear model (softmax, logistic or linear regression): the head transfer learning puts on a backbone;
        // null is resolved at Fit.
        for (int i = 0; i < (HiddenLayers?.Length ?? 0); i++)
        {
            if (HiddenLayers![i] < 1)
                throw check.Invalid($"{nameof(HiddenLayers)}[{i}]", HiddenLayers[i], "a width of at least 1");
        }
        check.Require(DropoutRate >= 0 && DropoutRate < 1, nameof(DropoutRate), DropoutRate, "a value in [0, 1)");
        if (ActivationAlpha is double alpha)
            check.Require(alpha >= 0 && double.IsFinite(alpha), nameof(ActivationAlpha), alpha, "a finite value >= 0, or null for the activation's default");
        check.RequireDefined(Activation, nameof(Activation));
        check.RequireDefined(WeightInitializer, nameof(WeightInitializer));
        check.RequireDefined(BatchNormalization, nameof(BatchNormalization));
    }

    private void ValidateTaskSettings(OptionChecks check)
    {
        check.Require(PositiveClassWeight > 0 && double.IsFinite(PositiveClassWeight), nameof(PositiveClassWeight), PositiveClassWeight, "a finite value > 0");
        check.Require(Enum.IsDefined(RegressionLoss), nameof(RegressionLoss), RegressionLoss, "MeanSquaredError, MeanAbsoluteError or Huber");
        check.Require(LabelSmoothing >= 0 && LabelSmoothing < 1, nameof(LabelSmoothing), LabelSmoothing, "a value in [0, 1)");
        check.Require(HuberDelta > 0 && double.IsFinite(HuberDelta), nameof(HuberDelta), HuberDelta, "a finite value > 0");
    }
}
