namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>One weight of a Keras layer and the TorchSharp tensor it becomes.</summary>
/// <param name="KerasName">Keras' name for the weight within its layer: <c>kernel</c>, <c>bias</c>, <c>gamma</c>, <c>beta</c>, <c>moving_mean</c> or <c>moving_variance</c>.</param>
/// <param name="KerasShape">The shape Keras stores: HWIO for a convolution kernel, (in, out) for a dense kernel.</param>
/// <param name="TorchName">The TorchSharp name within the module: <c>weight</c>, <c>bias</c>, <c>running_mean</c> or <c>running_var</c>.</param>
/// <param name="TorchShape">The TorchSharp shape: OIHW for a convolution, (out, in) for a linear layer.</param>
/// <param name="IsMovingStatistic">Whether it is a batch norm's moving statistic (a buffer in TorchSharp, non-trainable in Keras).</param>
public sealed record KerasWeight(string KerasName, IReadOnlyList<long> KerasShape, string TorchName, IReadOnlyList<long> TorchShape, bool IsMovingStatistic)
{
    /// <summary>The weight's shape written as Keras and numpy print it, e.g. <c>(7, 7, 3, 64)</c>.</summary>
    public string DescribeKerasShape() => Describe(KerasShape);

    /// <summary>A shape as numpy prints it: <c>(64,)</c> for one dimension, <c>(7, 7, 3, 64)</c> for more.</summary>
    internal static string Describe(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
}
