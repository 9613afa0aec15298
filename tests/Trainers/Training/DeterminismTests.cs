using Microsoft.ML;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>The same seed gives bit-identical weights; the MLContext's seed counts when no explicit seed is set.</summary>
public sealed class DeterminismTests
{
    private static MulticlassDeepNeuralNetworkTransformer Train(MLContext ml, int? seed)
    {
        var (data, _) = SyntheticData.Blobs(new MLContext(seed: 0), rows: 200, features: 8, classes: 4, seed: 9);
        return ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 32, 16 },
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            DropoutRate = 0.3,
            Epochs = 3,
            BatchSize = 16,
            ValidationFraction = 0.2,
            Seed = seed,
        }).Fit(data);
    }

    private static bool SameWeights(DeepNeuralNetworkTransformer a, DeepNeuralNetworkTransformer b)
    {
        var left = a.Network.state_dict();
        var right = b.Network.state_dict();
        return left.Count == right.Count && left.All(kv => kv.Value.eq(right[kv.Key]).all().item<bool>());
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeightsAndHistory()
    {
        using var first = Train(new MLContext(), seed: 7);
        using var second = Train(new MLContext(), seed: 7);
        Assert.True(SameWeights(first, second));
        Assert.Equal(first.History.Epochs.Select(e => e.TrainLoss), second.History.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(7, first.Seed);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWeights()
    {
        using var first = Train(new MLContext(), seed: 7);
        using var second = Train(new MLContext(), seed: 8);
        Assert.False(SameWeights(first, second));
    }

    [Fact]
    public void MLContextSeedIsHonouredWhenNoExplicitSeed()
    {
        using var first = Train(new MLContext(seed: 21), seed: null);
        using var second = Train(new MLContext(seed: 21), seed: null);
        Assert.Equal(first.Seed, second.Seed);
        Assert.True(SameWeights(first, second));
    }
}
