using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>One compiled ONNX node: computes its outputs from its inputs on every forward pass.</summary>
internal abstract class OnnxOp
{
    /// <summary>
    /// Computes the node's outputs. <paramref name="inputs"/> has one entry per declared input, <see langword="null"/>
    /// for a skipped optional one; the result has one entry per declared output (<see langword="null"/> where an
    /// optional output is not produced).
    /// </summary>
    public abstract Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state);

    /// <summary>Input <paramref name="index"/>, which the operator requires.</summary>
    protected static Tensor Required(Tensor?[] inputs, int index) =>
        inputs[index] ?? throw new InvalidOperationException($"Required input {index} is missing.");
}

/// <summary>What a forward pass tells the ops beyond their inputs.</summary>
/// <param name="Training">Whether the module is in training mode (dropout active).</param>
/// <param name="UsesBatchStatistics">
/// For a BatchNormalization node (by its node index): whether to normalize with the batch's statistics and update the
/// running ones (training, not frozen, or switched on node by node) rather than with the running statistics.
/// </param>
internal sealed record OnnxRunState(bool Training, Func<int, bool> UsesBatchStatistics);
