using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Folding;

/// <summary>
/// A copy of a linear layer's parameters, y = W x + b, that batch norms can be folded into without touching the layer.
/// </summary>
internal sealed class LinearParameters
{
    private LinearParameters(float[] weight, float[]? bias, int outFeatures, int inFeatures)
    {
        Weight = weight;
        Bias = bias;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>W, row-major [out, in], as torch stores it.</summary>
    public float[] Weight { get; }

    /// <summary>b, or null when the layer has no bias and nothing was folded in.</summary>
    public float[]? Bias { get; private set; }

    /// <summary>The number of outputs (rows of W).</summary>
    public int OutFeatures { get; }

    /// <summary>The number of inputs (columns of W).</summary>
    public int InFeatures { get; }

    /// <summary>Copies the parameters of <paramref name="linear"/>.</summary>
    public static LinearParameters CopyOf(Linear linear)
    {
        var bias = linear.bias is null ? null : TorchTensorCopy.ToFloats(linear.bias);
        return new LinearParameters(
            TorchTensorCopy.ToFloats(linear.weight), bias, checked((int)linear.out_features), checked((int)linear.in_features));
    }

    /// <summary>W x + b after the layer's input first goes through <paramref name="before"/>: W' = W diag(a), b' = W c + b.</summary>
    public void FoldInput(FeatureAffine before)
    {
        var bias = Bias ?? new float[OutFeatures];
        for (var row = 0; row < OutFeatures; row++)
        {
            double shifted = bias[row];
            for (var col = 0; col < InFeatures; col++)
            {
                var index = row * InFeatures + col;
                shifted += (double)Weight[index] * before.Shift[col];
                Weight[index] *= before.Scale[col];
            }
            bias[row] = (float)shifted;
        }
        Bias = bias;
    }

    /// <summary>The layer followed by <paramref name="after"/>: W' = diag(a) W, b' = a b + c.</summary>
    public void FoldOutput(FeatureAffine after) => Bias = after.FoldIntoRows(Weight, Bias);
}
