using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// A batch-normalization layer that keeps running statistics, whatever module holds it: a TorchSharp
/// <c>BatchNorm</c> (<see cref="TorchBatchNormLayer"/>) or a BatchNormalization node of an imported ONNX graph
/// (whose module implements <see cref="IBatchNormLayerSource"/>). The precise statistics refresh
/// (<see cref="BatchNormRecalibration"/>) and "batch norm frozen" during training work through it alone.
/// </summary>
internal interface IBatchNormLayer
{
    /// <summary>A name for messages: the module path or the ONNX node name.</summary>
    string Name { get; }

    /// <summary>The running mean, updated in place by a forward pass that uses batch statistics.</summary>
    Tensor RunningMean { get; }

    /// <summary>The running (unbiased) variance, updated in place like <see cref="RunningMean"/>.</summary>
    Tensor RunningVariance { get; }

    /// <summary>The count of batches seen, or null when the layer keeps none (an ONNX node).</summary>
    Tensor? BatchesTracked { get; }

    /// <summary>The weight of a new batch's statistics in the running ones (libtorch's convention; ONNX's momentum is 1 minus it); null: a cumulative average.</summary>
    double? Momentum { get; set; }

    /// <summary>
    /// Whether the layer normalizes with its running statistics even while the network trains, and keeps them as
    /// they are (Keras' frozen BatchNormalization). Read at every epoch start, so unfreezing can change it; a frozen
    /// layer's statistics are not recomputed by the precise refresh either.
    /// </summary>
    bool Frozen { get; }

    /// <summary>
    /// Makes the layer use batch statistics and update its running ones (<see langword="true"/>) or normalize with
    /// the running ones (<see langword="false"/>) in the forward passes that follow, whatever the network's mode,
    /// until the network's next <c>train()</c> or <c>eval()</c>.
    /// </summary>
    void SetTraining(bool training);
}

/// <summary>A module that holds batch-normalization layers that are not TorchSharp <c>BatchNorm</c> modules (an imported ONNX graph).</summary>
internal interface IBatchNormLayerSource
{
    /// <summary>Its batch-normalization layers that keep running statistics, in forward order.</summary>
    IReadOnlyList<IBatchNormLayer> BatchNormLayers { get; }
}
