using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Folding;

/// <summary>A copy of what an eval-mode batch norm computes with: gamma, beta, the running mean and variance, and epsilon.</summary>
/// <param name="Gamma">The scale per feature; ones when the norm is not affine.</param>
/// <param name="Beta">The shift per feature; zeros when the norm is not affine.</param>
/// <param name="RunningMean">The running mean per feature.</param>
/// <param name="RunningVariance">The running variance per feature.</param>
/// <param name="Epsilon">Added to the variance before the square root.</param>
internal sealed record FoldedBatchNorm(float[] Gamma, float[] Beta, float[] RunningMean, float[] RunningVariance, double Epsilon)
{
    /// <summary>Copies the statistics of <paramref name="batchNorm"/>, which must track running statistics.</summary>
    /// <exception cref="InvalidOperationException">The norm has no running statistics.</exception>
    public static FoldedBatchNorm CopyOf(NormBase batchNorm)
    {
        if (batchNorm.running_mean is null || batchNorm.running_var is null)
            throw new InvalidOperationException(
                $"The {batchNorm.GetType().Name} has no running statistics; the exporter checks track_running_stats before reading them.");
        var features = checked((int)batchNorm.num_features);
        return new FoldedBatchNorm(
            batchNorm.affine && batchNorm.weight is { } weight ? TorchTensorCopy.ToFloats(weight) : Filled(features, 1f),
            batchNorm.affine && batchNorm.bias is { } bias ? TorchTensorCopy.ToFloats(bias) : Filled(features, 0f),
            TorchTensorCopy.ToFloats(batchNorm.running_mean),
            TorchTensorCopy.ToFloats(batchNorm.running_var),
            batchNorm.eps);
    }

    private static float[] Filled(int count, float value)
    {
        var values = new float[count];
        Array.Fill(values, value);
        return values;
    }
}
