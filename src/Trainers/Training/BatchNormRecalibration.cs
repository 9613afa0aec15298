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
    /// <summary>The TorchSharp batch-normalization layers of <paramref name="network"/> that keep running statistics, in forward order.</summary>
    public static IReadOnlyList<TorchSharp.Modules.BatchNorm> Layers(nn.Module network) =>
        BatchNormLayers.Find(network).OfType<TorchBatchNormLayer>().Select(l => l.Module).ToList();

    /// <summary>Recomputes the statistics from <paramref name="data"/> ([rows, features]) for every layer <see cref="BatchNormLayers.Find"/> finds.</summary>
    public static void Recompute(nn.Module<Tensor, Tensor> network, Tensor data, int chunkRows, InputBatchNormStatistics? input = null) =>
        Recompute(network, BatchNormLayers.Find(network), data, chunkRows, null, input);

    /// <summary>Recomputes the running statistics of <paramref name="layers"/> that are not frozen from <paramref name="data"/>, leaving the network in training mode (frozen layers in inference mode).</summary>
    /// <param name="network">The network; its parameters are not changed, and no random numbers are drawn.</param>
    /// <param name="layers">Its batch-normalization layers.</param>
    /// <param name="data">The rows ([rows, features]), on the network's device.</param>
    /// <param name="chunkRows">Rows per forward pass (≥ 2).</param>
    /// <param name="sampleShape">How each row is viewed before the network reads it; null: as it is.</param>
    /// <param name="input">Exact statistics for an input batch norm, which then keeps them and normalizes with them (inference mode) for the layers after it.</param>
    public static void Recompute(nn.Module<Tensor, Tensor> network, IReadOnlyList<IBatchNormLayer> layers, Tensor data, int chunkRows,
        SampleShape? sampleShape, InputBatchNormStatistics? input = null)
    {
        // A frozen input batch norm (a reused layer) keeps the statistics it came with.
        if (input is not null && !layers.Any(l => l.Frozen && l is TorchBatchNormLayer t && t.Module == input.Layer))
            input.Apply();
        var refreshed = layers.Where(l => !l.Frozen && !(l is TorchBatchNormLayer t && t.Module == input?.Layer)).ToList();
        if (refreshed.Count == 0 || data.shape[0] < 2)
            return;
        var x = data;
        long rows = x.shape[0];
        var momenta = refreshed.Select(l => l.Momentum).ToArray();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batchesTracked = refreshed.Select(l => l.BatchesTracked?.clone()).ToArray();
        // Σ n·mean and Σ x² per layer, pooled in double so that large row counts lose no precision.
        var sums = new Tensor?[refreshed.Count];
        var squares = new Tensor?[refreshed.Count];
        try
        {
            network.eval();
            foreach (var layer in refreshed)
            {
                layer.SetTraining(true);
                // Momentum 1 makes the running statistics exactly the chunk's: its mean and unbiased variance.
                layer.Momentum = 1.0;
            }
            foreach (var (start, count) in Chunks(rows, chunkRows))
            {
                var chunk = x.narrow(0, start, count);
                network.forward(sampleShape is null ? chunk : sampleShape.ToSamples(chunk));
                for (int i = 0; i < refreshed.Count; i++)
                {
                    var mean = refreshed[i].RunningMean.to(ScalarType.Float64);
                    var variance = refreshed[i].RunningVariance.to(ScalarType.Float64);
                    var chunkSum = mean.mul(count);
                    var chunkSquares = variance.mul(count - 1).add(mean.square().mul(count));
                    sums[i] = sums[i] is { } s ? s.add(chunkSum) : chunkSum;
                    squares[i] = squares[i] is { } q ? q.add(chunkSquares) : chunkSquares;
                }
            }
            for (int i = 0; i < refreshed.Count; i++)
            {
                var mean = sums[i]!.div(rows);
                // Cancellation can leave a tiny negative value for a constant feature.
                var variance = squares[i]!.sub(mean.square().mul(rows)).div(rows - 1).clamp_min(0);
                refreshed[i].RunningMean.copy_(mean);
                refreshed[i].RunningVariance.copy_(variance);
                if (batchesTracked[i] is { } tracked)
                    refreshed[i].BatchesTracked!.copy_(tracked);
            }
        }
        finally
        {
            for (int i = 0; i < refreshed.Count; i++)
                refreshed[i].Momentum = momenta[i];
            BatchNormLayers.Train(network, layers);
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
