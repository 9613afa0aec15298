namespace MLNetDeep.Trainers.Onnx.Export.Folding;

/// <summary>
/// A per-feature affine map y[i] = Scale[i] * x[i] + Shift[i]: what an eval-mode batch norm computes, in the form that can be
/// folded into a neighbouring linear layer.
/// </summary>
/// <param name="Scale">The factor per feature.</param>
/// <param name="Shift">The offset per feature.</param>
internal sealed record FeatureAffine(float[] Scale, float[] Shift)
{
    /// <summary>
    /// The map an eval-mode batch norm applies: scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
    /// Computed in double so that folding adds no rounding beyond the final float32 cast.
    /// </summary>
    public static FeatureAffine Of(FoldedBatchNorm statistics)
    {
        var features = statistics.RunningMean.Length;
        var scale = new float[features];
        var shift = new float[features];
        for (var i = 0; i < features; i++)
        {
            var factor = statistics.Gamma[i] / Math.Sqrt(statistics.RunningVariance[i] + statistics.Epsilon);
            scale[i] = (float)factor;
            shift[i] = (float)(statistics.Beta[i] - statistics.RunningMean[i] * factor);
        }
        return new FeatureAffine(scale, shift);
    }

    /// <summary>
    /// Folds this map into the layer before it, whose output feature i is computed by row i of <paramref name="weight"/> plus
    /// bias[i] (a Linear's [out, in] weight, a convolution's [out, in / groups, kH, kW] one): scales each row in place by
    /// Scale[i] and returns the new bias, Scale[i] * bias[i] + Shift[i].
    /// </summary>
    /// <param name="weight">The layer's weight, row-major with one row per output feature; changed in place.</param>
    /// <param name="bias">The layer's bias, or null when it has none (read as zeros).</param>
    public float[] FoldIntoRows(float[] weight, float[]? bias)
    {
        var features = Scale.Length;
        var rowLength = weight.Length / features;
        var folded = new float[features];
        for (var row = 0; row < features; row++)
        {
            for (var col = 0; col < rowLength; col++)
                weight[row * rowLength + col] *= Scale[row];
            folded[row] = (float)((double)Scale[row] * (bias?[row] ?? 0f) + Shift[row]);
        }
        return folded;
    }
}
