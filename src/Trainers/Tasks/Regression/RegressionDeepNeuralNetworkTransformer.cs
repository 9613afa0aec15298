using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers;

/// <summary>
/// A trained regression network. Output column, as ML.NET's regression trainers write it:
/// <list type="table">
/// <listheader><term>Column</term><description>Type and meaning</description></listheader>
/// <item><term><c>Score</c></term><description><see cref="float"/>: the prediction in label units, Network(x) × <see cref="LabelScale"/> + <see cref="LabelMean"/>.</description></item>
/// </list>
/// </summary>
public sealed class RegressionDeepNeuralNetworkTransformer : DeepNeuralNetworkTransformer
{
    internal RegressionDeepNeuralNetworkTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info, float labelMean, float labelScale)
        : base(scoringChain, onnxModel, network, info)
    {
        LabelMean = labelMean;
        LabelScale = labelScale;
    }

    /// <summary>
    /// The training label mean that <see cref="DeepNeuralNetworkTransformer.Network"/>'s output is shifted by
    /// (the exported graph does it): 0 when <see cref="DeepNeuralNetworkOptions.StandardizeLabel"/> was false.
    /// </summary>
    public float LabelMean { get; }

    /// <summary>
    /// The training label standard deviation that <see cref="DeepNeuralNetworkTransformer.Network"/>'s output is
    /// multiplied by (the exported graph does it): 1 when <see cref="DeepNeuralNetworkOptions.StandardizeLabel"/> was
    /// false or the label was constant.
    /// </summary>
    public float LabelScale { get; }
}
