using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers;

/// <summary>
/// A trained binary classification network. Output columns, as ML.NET's calibrated binary trainers write them:
/// <list type="table">
/// <listheader><term>Column</term><description>Type and meaning</description></listheader>
/// <item><term><c>Score</c></term><description><see cref="float"/>: the network's raw output, a logit (log-odds of the positive class).</description></item>
/// <item><term><c>Probability</c></term><description><see cref="float"/>: sigmoid(Score), the probability of the positive class.</description></item>
/// <item><term><c>PredictedLabel</c></term><description><see cref="bool"/>: Probability &gt; 0.5.</description></item>
/// </list>
/// <see cref="DeepNeuralNetworkTransformer.Network"/> outputs the logit, one column per row.
/// </summary>
public sealed class BinaryDeepNeuralNetworkTransformer : DeepNeuralNetworkTransformer
{
    internal BinaryDeepNeuralNetworkTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info)
        : base(scoringChain, onnxModel, network, info)
    {
    }
}
