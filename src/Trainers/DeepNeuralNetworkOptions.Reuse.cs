using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers;

// Starting from a trained network's lower layers: the option, its checks and its fingerprint entry.
public sealed partial class DeepNeuralNetworkOptions
{
    /// <summary>
    /// Hidden layers of a trained network that the new network starts from (copied weights and batch-norm statistics),
    /// frozen for <see cref="Trainers.ReusedLayers.FrozenEpochs"/> epochs; the first
    /// <see cref="Trainers.ReusedLayers.HiddenLayerCount"/> entries of <see cref="HiddenLayers"/> must have the reused
    /// widths, and <see cref="BatchNormalization"/>, <see cref="InputBatchNormalization"/> and PReLU must match the
    /// reused model's (a mismatch is an error naming the layer and both shapes). Default: null (every layer is new).
    /// </summary>
    public ReusedLayers? ReusedLayers { get; set; }

    private void ValidateReusedLayers(OptionChecks check)
    {
        if (ReusedLayers is not { } reused)
            return;
        // With reused layers an unset HiddenLayers resolves to { 300, 100 } whatever the data (ResolveArchitecture).
        check.Require(reused.HiddenLayerCount <= HiddenLayerWidths.Length, nameof(ReusedLayers), $"{reused.HiddenLayerCount} hidden layers",
            $"at most as many hidden layers as HiddenLayers has ({HiddenLayerWidths.Length})");
        check.Require(reused.FrozenEpochs >= 0, $"{nameof(ReusedLayers)}.{nameof(Trainers.ReusedLayers.FrozenEpochs)}", reused.FrozenEpochs, "an integer >= 0");
        check.Require(reused.LearningRateScaleAfterUnfreezing >= 0 && double.IsFinite(reused.LearningRateScaleAfterUnfreezing),
            $"{nameof(ReusedLayers)}.{nameof(Trainers.ReusedLayers.LearningRateScaleAfterUnfreezing)}", reused.LearningRateScaleAfterUnfreezing, "a finite value >= 0");
    }

    private void AddReusedLayersToFingerprint(FingerprintText f) =>
        f.Add(nameof(ReusedLayers), ReusedLayers is { } r ? $"{r.HiddenLayerCount}/{r.FrozenEpochs}/{r.LearningRateScaleAfterUnfreezing:R}/{r.Digest}" : null);
}
