using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// The exact mean and unbiased variance of every feature, for a batch-normalization layer that is the network's first
/// module (<see cref="DeepNeuralNetworkOptions.InputBatchNormalization"/>). It sees the raw features, whose statistics
/// never change, so they are computed once from all rows instead of from <see cref="BatchNormStatistics"/>' sample:
/// pixels that are almost always 0 need every row, or their variance comes out near 0 and inference divides by it.
/// </summary>
internal sealed class InputBatchNormStatistics : IDisposable
{
    private readonly Tensor _mean;
    private readonly Tensor _variance;

    private InputBatchNormStatistics(TorchSharp.Modules.BatchNorm layer, Tensor mean, Tensor variance)
    {
        Layer = layer;
        _mean = mean;
        _variance = variance;
    }

    /// <summary>The network's first module.</summary>
    public TorchSharp.Modules.BatchNorm Layer { get; }

    /// <summary>The statistics of <paramref name="data"/> ([rows ≥ 2, features]) when the network starts with a batch norm that keeps running statistics; otherwise null.</summary>
    /// <param name="network">The network.</param>
    /// <param name="data">Every training row, on the network's device.</param>
    /// <param name="chunkRows">Rows converted to double at a time.</param>
    public static InputBatchNormStatistics? TryCompute(nn.Module network, Tensor data, int chunkRows)
    {
        if (network.children().FirstOrDefault() is not TorchSharp.Modules.BatchNorm layer
            || !BatchNormStatistics.Layers(network).Contains(layer) || data.shape[0] < 2)
            return null;
        long rows = data.shape[0];
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor? sum = null, squares = null;
        for (long start = 0; start < rows; start += chunkRows)
        {
            var chunk = data.narrow(0, start, Math.Min(chunkRows, rows - start)).to(ScalarType.Float64);
            var chunkSum = chunk.sum(new long[] { 0 });
            var chunkSquares = chunk.square().sum(new long[] { 0 });
            sum = sum is null ? chunkSum : sum.add(chunkSum);
            squares = squares is null ? chunkSquares : squares.add(chunkSquares);
        }
        var mean = sum!.div(rows);
        // Cancellation can leave a tiny negative value for a constant feature.
        var variance = squares!.sub(mean.square().mul(rows)).div(rows - 1).clamp_min(0);
        return new InputBatchNormStatistics(layer,
            mean.to(data.dtype).DetachFromDisposeScope(),
            variance.to(data.dtype).DetachFromDisposeScope());
    }

    /// <summary>Writes the statistics into the layer's running mean and variance.</summary>
    public void Apply()
    {
        using var _ = no_grad();
        Layer.running_mean!.copy_(_mean);
        Layer.running_var!.copy_(_variance);
    }

    public void Dispose()
    {
        _mean.Dispose();
        _variance.Dispose();
    }
}
