using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers;

/// <summary>
/// The affine map between label units and the units the network trains in: standardized = (label − Mean) / Scale.
/// The exported graph ends with its inverse, so served scores come out in label units.
/// </summary>
internal sealed class LabelStandardizer
{
    private LabelStandardizer(float mean, float scale)
    {
        Mean = mean;
        Scale = scale;
    }

    /// <summary>Subtracted from labels before training: their mean, or 0 when not standardizing.</summary>
    public float Mean { get; }

    /// <summary>Divides centred labels: their standard deviation, or 1 when not standardizing or when the label is constant.</summary>
    public float Scale { get; }

    /// <summary>Whether the map is the identity, so the exported graph needs no head.</summary>
    public bool IsIdentity => Mean == 0 && Scale == 1;

    /// <summary>The identity map: the network trains on raw labels.</summary>
    public static LabelStandardizer Identity { get; } = new(0, 1);

    /// <summary>Mean and (population) standard deviation of the training labels, accumulated in double.</summary>
    public static LabelStandardizer Fit(Data.TargetStatistics labels)
    {
        double deviation = labels.StandardDeviation;
        // A constant label has nothing to scale; centring alone lets the network predict it with zero output.
        float scale = deviation > 0 && (float)deviation > 0 ? (float)deviation : 1f;
        return new LabelStandardizer((float)labels.Mean, scale);
    }

    /// <summary>Labels in training units.</summary>
    public float[] Standardize(float[] labels) => labels.Select(l => (float)((l - (double)Mean) / Scale)).ToArray();

    /// <summary>A Linear(1, 1) layer computing output × Scale + Mean, or null for the identity.</summary>
    public nn.Module<Tensor, Tensor>? CreateExportHead()
    {
        if (IsIdentity)
            return null;
        var linear = nn.Linear(1, 1);
        using var _ = no_grad();
        linear.weight!.fill_(Scale);
        linear.bias!.fill_(Mean);
        return linear;
    }
}
