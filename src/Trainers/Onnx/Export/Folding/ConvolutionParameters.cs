using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Folding;

/// <summary>
/// A copy of a Conv2d's parameters that a following batch norm can be folded into without touching the layer. Output
/// channel o is computed by the slice W[o] ([in / groups, kH, kW]) plus b[o], so the norm's per-channel scale and shift fold
/// into that slice and that bias whatever the stride, padding, dilation or groups.
/// </summary>
internal sealed class ConvolutionParameters
{
    private ConvolutionParameters(float[] weight, long[] weightShape, float[]? bias)
    {
        Weight = weight;
        WeightShape = weightShape;
        Bias = bias;
    }

    /// <summary>W, row-major [out, in / groups, kH, kW], as torch stores it and ONNX's Conv reads it.</summary>
    public float[] Weight { get; }

    /// <summary>The shape of <see cref="Weight"/>.</summary>
    public long[] WeightShape { get; }

    /// <summary>b, or null when the layer has no bias and nothing was folded in.</summary>
    public float[]? Bias { get; private set; }

    /// <summary>Copies the parameters of <paramref name="convolution"/>.</summary>
    public static ConvolutionParameters CopyOf(Conv2d convolution) => new(
        TorchTensorCopy.ToFloats(convolution.weight),
        convolution.weight.shape,
        convolution.bias is null ? null : TorchTensorCopy.ToFloats(convolution.bias));

    /// <summary>The layer followed by <paramref name="after"/>: W'[o] = a[o] W[o], b'[o] = a[o] b[o] + c[o].</summary>
    public void FoldOutput(FeatureAffine after) => Bias = after.FoldIntoRows(Weight, Bias);
}
