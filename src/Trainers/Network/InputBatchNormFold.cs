using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// The training-step forward pass of a multilayer perceptron that starts with an input batch norm: the same
/// function of the same parameters, with the batch norm's scale γ and shift β folded into the first dense layer's
/// weights instead of applied to the batch. The inputs need no gradient, so the only reason autograd computed the
/// first layer's input gradient (batch × width × inputs multiply-adds: 60 M of the 784-300-100-10 network's 410 M per
/// batch-256 step) was to reduce it to γ's and β's 2 × inputs gradients. With the fold, (x̂·γ + β)·Wᵀ becomes
/// x̂·(W∘γ)ᵀ + W·β: γ and β are reached through the weight product, whose gradient autograd computes anyway, and
/// the input gradient is never formed. Running statistics are updated exactly as <c>BatchNorm1d.forward</c> does.
/// </summary>
/// <remarks>
/// Only the training step uses it (<see cref="Training.INetworkFactory.TrainingForward"/>); evaluation, export and
/// the batch-norm statistics passes run the modules as they are. The arithmetic is regrouped, so the results agree
/// with the unfolded pass to rounding, not bit for bit (BENCHMARKS.md section 10d).
/// </remarks>
internal static class InputBatchNormFold
{
    /// <summary>
    /// The fewest rows a batch needs for the fold. What it saves grows with the batch (batch × width × inputs
    /// multiply-adds); what it adds does not (the products W∘γ and W·β and their gradients, width × inputs each). On
    /// the 784-300-100-10 network a step's forward and backward took 10 % longer folded at batch 32, the same at 64, 4 %
    /// less at 128 and 16 % less at 256 (BENCHMARKS.md section 10d).
    /// </summary>
    public const int MinimumBatchRows = 128;

    /// <summary>
    /// The network's output for a training batch: folded where the network's shape allows, else its own forward. Every
    /// layer the fold does not replace runs through <paramref name="layer"/> (default: the layer's own forward).
    /// </summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> network, Tensor batch, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>? layer = null)
    {
        layer ??= static (module, input) => module.forward(input);
        if (network is not Sequential top || batch.requires_grad || batch.shape[0] < MinimumBatchRows)
            return layer(network, batch);
        using var layers = top.named_children().GetEnumerator();
        // A cumulative average (no momentum) is left to the module, whose arithmetic for it this does not repeat.
        if (!layers.MoveNext() || layers.Current.module is not BatchNorm1d bn || !bn.training || bn.weight is null || bn.bias is null
            || bn.momentum is not double momentum)
            return layer(network, batch);
        if (!layers.MoveNext() || layers.Current.module is not Sequential firstBlock)
            return layer(network, batch);
        using var blockLayers = firstBlock.named_children().GetEnumerator();
        if (!blockLayers.MoveNext() || blockLayers.Current.module is not Linear dense)
            return layer(network, batch);

        var output = F.linear(Normalize(bn, momentum, batch), dense.weight! * bn.weight, Shift(dense, bn));
        while (blockLayers.MoveNext())
            output = layer((nn.Module<Tensor, Tensor>)blockLayers.Current.module, output);
        while (layers.MoveNext())
            output = layer((nn.Module<Tensor, Tensor>)layers.Current.module, output);
        return output;
    }

    /// <summary>x̂: the batch normalized by its own statistics, with the running statistics updated as the module would.</summary>
    private static Tensor Normalize(BatchNorm1d bn, double momentum, Tensor batch)
    {
        // BatchNorm1d.forward's own bookkeeping, kept identical.
        if (bn.track_running_stats)
            bn.num_batches_tracked?.add_(1);
        return F.batch_norm(batch, bn.track_running_stats ? bn.running_mean : null, bn.track_running_stats ? bn.running_var : null,
            null, null, true, momentum, bn.eps);
    }

    /// <summary>W·β, plus the dense layer's own bias where it has one.</summary>
    private static Tensor Shift(Linear dense, BatchNorm1d bn)
    {
        var shift = dense.weight!.matmul(bn.bias!);
        return dense.bias is { } bias ? shift + bias : shift;
    }
}
