using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers;

/// <summary>
/// A trained multiclass network. Output columns, as ML.NET's multiclass trainers write them:
/// <list type="table">
/// <listheader><term>Column</term><description>Type and meaning</description></listheader>
/// <item><term><c>Score</c></term><description>Vector of <see cref="float"/>, length K: the class probabilities (softmax).</description></item>
/// <item><term><c>PredictedLabel</c></term><description>Scalar key of the label's key type: the most probable class. <c>MapKeyToValue</c> turns it back into the label's values.</description></item>
/// </list>
/// </summary>
public sealed class MulticlassDeepNeuralNetworkTransformer : DeepNeuralNetworkTransformer
{
    internal MulticlassDeepNeuralNetworkTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainingHistory history, NetworkDescription description, int seed, int classCount)
        : base(scoringChain, onnxModel, network, history, description, seed)
    {
        ClassCount = classCount;
    }

    /// <summary>The number of classes K.</summary>
    public int ClassCount { get; }
}
