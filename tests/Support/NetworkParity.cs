using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers;

namespace MLNetDeep.Tests.Support;

/// <summary>Compares what ML.NET's scoring chain outputs with the in-memory TorchSharp network.</summary>
internal static class NetworkParity
{
    /// <summary>Max |softmax(network(x)) − Score| over the rows of <paramref name="data"/>.</summary>
    public static double MulticlassMaxDiff(MulticlassDeepNeuralNetworkTransformer model, IDataView data, string featureColumn = "Features")
    {
        var scored = model.Transform(data);
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        var features = data.GetColumn<float[]>(featureColumn).ToArray();
        using var _ = no_grad();
        model.Network.eval();
        using var x = tensor(features.SelectMany(f => f).ToArray(), new long[] { features.Length, features[0].Length });
        using var logits = model.Network.forward(x);
        using var probabilities = nn.functional.softmax(logits, 1);
        var expected = probabilities.data<float>().ToArray();
        double max = 0;
        for (int i = 0; i < scores.Length; i++)
            for (int k = 0; k < scores[i].Length; k++)
                max = Math.Max(max, Math.Abs(scores[i][k] - expected[i * scores[i].Length + k]));
        return max;
    }

    /// <summary>The in-memory network's single output for each row (a logit for binary, standardized units for regression).</summary>
    public static float[] SingleOutputs(DeepNeuralNetworkTransformer model, IReadOnlyList<float[]> features)
    {
        using var _ = no_grad();
        model.Network.eval();
        using var x = tensor(features.SelectMany(f => f).ToArray(), new long[] { features.Count, features[0].Length });
        using var output = model.Network.forward(x);
        Assert.Equal(new long[] { features.Count, 1 }, output.shape);
        return output.data<float>().ToArray();
    }
}
