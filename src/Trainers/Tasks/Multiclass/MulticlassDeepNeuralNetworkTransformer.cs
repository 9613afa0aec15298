using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Observability;

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
        TrainedNetworkInfo info, int classCount)
        : base(scoringChain, onnxModel, network, info)
    {
        ClassCount = classCount;
    }

    /// <summary>The number of classes K.</summary>
    public int ClassCount { get; }

    /// <summary>
    /// Monte Carlo dropout (Gal and Ghahramani 2016; Géron ch. 11): runs each row through the network
    /// <paramref name="samples"/> times with dropout active and averages the softmax outputs.
    /// </summary>
    /// <remarks>
    /// It runs on the in-memory TorchSharp network, not on the saved ONNX graph: the exported graph is
    /// the inference-mode network, where dropout has been removed, so it cannot sample. Batch
    /// normalization stays in inference mode (running statistics); only dropout layers are switched on.
    /// A network without dropout returns its ordinary probabilities with zero deviation.
    /// </remarks>
    /// <param name="data">Rows with the feature column the model was trained on.</param>
    /// <param name="samples">Stochastic passes per row. Default: 100.</param>
    /// <param name="seed">Seeds libtorch's generator for reproducible samples; null leaves it as it is. Default: null.</param>
    public IReadOnlyList<MonteCarloPrediction> PredictWithMonteCarloDropout(IDataView data, int samples = 100, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (samples < 1)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be at least 1.");
        var features = Data.DataViewFeatureReader.ReadFeatures(data, FeatureColumnName, Description.InputWidth);
        int rows = features.Length / (int)Description.InputWidth;
        if (seed is int s)
            torch.manual_seed(s);

        var dropouts = Network.modules().Where(m => m is TorchSharp.Modules.Dropout or TorchSharp.Modules.AlphaDropout).ToList();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        try
        {
            Network.eval();
            foreach (var dropout in dropouts)
                dropout.train();
            var x = torch.tensor(features, new long[] { rows, Description.InputWidth });
            var draws = torch.stack(Enumerable.Range(0, samples).Select(_ => torch.nn.functional.softmax(Network.forward(x), 1)).ToArray());
            var mean = draws.mean(new long[] { 0 }).data<float>().ToArray();
            var std = draws.std(0, unbiased: false).data<float>().ToArray();
            return Enumerable.Range(0, rows)
                .Select(r => new MonteCarloPrediction(mean[(r * ClassCount)..((r + 1) * ClassCount)], std[(r * ClassCount)..((r + 1) * ClassCount)]))
                .ToList();
        }
        finally
        {
            Network.eval();
        }
    }
}
