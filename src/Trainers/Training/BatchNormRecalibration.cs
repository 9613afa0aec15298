using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Replaces every batch-normalization layer's running mean and variance with those of the given rows
/// ("precise BN", as <c>torch.optim.swa_utils.update_bn</c> and fvcore's <c>update_bn_stats</c> do).
/// </summary>
/// <remarks>
/// PyTorch's running statistics are an exponential average with momentum 0.1, so they reflect the last
/// dozen or so mini-batches: a 32-row batch moves them by a tenth, and an input feature that is zero in those
/// batches gets a running variance near 0, which inference then divides by. Inference-mode outputs (validation
/// metrics, the exported model) thus changed with the order of an epoch's last batches even when the weights
/// did not. The rows go through in chunks with batch normalization in training mode and dropout off (as at
/// inference); each chunk's mean and unbiased variance are pooled exactly into those of all rows.
/// A forward pass over all rows costs about a third of a training epoch (26 % of a 55,000-row, batch-128 epoch of
/// a 784-512-256-10 MLP), so the training loop passes at most 8,192 evenly spaced rows (<c>Data.StatisticsSample</c>,
/// the same rows whether the data is in memory or streamed).
/// </remarks>
internal static class BatchNormRecalibration
{
    /// <summary>The batch-normalization layers of <paramref name="network"/> that keep running statistics, in forward order.</summary>
    public static IReadOnlyList<TorchSharp.Modules.BatchNorm> Layers(nn.Module network) =>
        network.modules().OfType<TorchSharp.Modules.BatchNorm>().Where(l => Statistics(l) is not null).ToList();

    private static (Tensor Mean, Tensor Variance, Tensor BatchesTracked)? Statistics(TorchSharp.Modules.BatchNorm layer) =>
        layer.running_mean is { } mean && layer.running_var is { } variance && layer.num_batches_tracked is { } tracked
            ? (mean, variance, tracked)
            : null;

    /// <summary>Recomputes the statistics from <paramref name="data"/> ([rows, features]), leaving the network in training mode.</summary>
    /// <param name="network">The network; its parameters are not changed, and no random numbers are drawn.</param>
    /// <param name="data">The rows, on the network's device.</param>
    /// <param name="chunkRows">Rows per forward pass (≥ 2).</param>
    /// <param name="input">Exact statistics for an input batch norm, which then keeps them and normalizes with them (inference mode) for the layers after it.</param>
    public static void Recompute(nn.Module<Tensor, Tensor> network, Tensor data, int chunkRows, InputBatchNormStatistics? input = null)
    {
        input?.Apply();
        var layers = Layers(network).Where(l => l != input?.Layer).ToList();
        if (layers.Count == 0 || data.shape[0] < 2)
            return;
        var x = data;
        long rows = x.shape[0];
        var momenta = layers.Select(l => l.momentum).ToArray();
        var statistics = layers.Select(l => Statistics(l)!.Value).ToArray();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batchesTracked = statistics.Select(s => s.BatchesTracked.clone()).ToArray();
        // Σ n·mean and Σ x² per layer, pooled in double so that large row counts lose no precision.
        var sums = new Tensor?[layers.Count];
        var squares = new Tensor?[layers.Count];
        try
        {
            network.eval();
            foreach (var layer in layers)
            {
                layer.train();
                // Momentum 1 makes the running statistics exactly the chunk's: its mean and unbiased variance.
                layer.momentum = 1.0;
            }
            foreach (var (start, count) in Chunks(rows, chunkRows))
            {
                network.forward(x.narrow(0, start, count));
                for (int i = 0; i < layers.Count; i++)
                {
                    var mean = statistics[i].Mean.to(ScalarType.Float64);
                    var variance = statistics[i].Variance.to(ScalarType.Float64);
                    var chunkSum = mean.mul(count);
                    var chunkSquares = variance.mul(count - 1).add(mean.square().mul(count));
                    sums[i] = sums[i] is { } s ? s.add(chunkSum) : chunkSum;
                    squares[i] = squares[i] is { } q ? q.add(chunkSquares) : chunkSquares;
                }
            }
            for (int i = 0; i < layers.Count; i++)
            {
                var mean = sums[i]!.div(rows);
                // Cancellation can leave a tiny negative value for a constant feature.
                var variance = squares[i]!.sub(mean.square().mul(rows)).div(rows - 1).clamp_min(0);
                statistics[i].Mean.copy_(mean);
                statistics[i].Variance.copy_(variance);
                statistics[i].BatchesTracked.copy_(batchesTracked[i]);
            }
        }
        finally
        {
            for (int i = 0; i < layers.Count; i++)
                layers[i].momentum = momenta[i];
            network.train();
        }
    }

    /// <summary>Chunk boundaries with no one-row chunk, which training-mode batch normalization rejects: a lone last row joins the chunk before it.</summary>
    internal static IEnumerable<(long Start, long Count)> Chunks(long rows, int chunkRows)
    {
        for (long start = 0; start < rows; start += chunkRows)
        {
            long count = Math.Min(chunkRows, rows - start);
            if (rows - (start + count) == 1)
                count++;
            yield return (start, count);
            if (start + count >= rows)
                yield break;
        }
    }
}
