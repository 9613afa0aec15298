using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// The exact mean and unbiased variance of every feature, for a batch-normalization layer that is the network's first
/// module (<see cref="DeepNeuralNetworkOptions.InputBatchNormalization"/>). It sees the raw features, whose statistics
/// never change, so they are computed once from all rows (<see cref="Data.FeatureMoments"/>, also when the data is
/// streamed) instead of from <see cref="BatchNormRecalibration"/>' sample:
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

    /// <summary>The statistics of all of <paramref name="train"/>'s rows (at least 2) when the network starts with a batch norm that keeps running statistics; otherwise null.</summary>
    /// <param name="network">The network.</param>
    /// <param name="train">The training rows.</param>
    /// <param name="device">The network's device.</param>
    public static InputBatchNormStatistics? TryCompute(nn.Module network, Data.IBatchSource train, Device device)
    {
        if (network.children().FirstOrDefault() is not TorchSharp.Modules.BatchNorm layer
            || !BatchNormRecalibration.Layers(network).Contains(layer) || train.RowCount < 2)
            return null;
        var (mean, variance) = train.FeatureMoments().MeanAndVariance();
        using var meanOnCpu = tensor(mean);
        using var varianceOnCpu = tensor(variance);
        return new InputBatchNormStatistics(layer, meanOnCpu.to(device, copy: true), varianceOnCpu.to(device, copy: true));
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
