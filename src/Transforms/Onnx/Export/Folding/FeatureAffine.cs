namespace MLNetDeep.Transforms.Onnx;

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
    public static FeatureAffine Of(BatchNormStatistics statistics)
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
}
