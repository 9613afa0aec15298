using Microsoft.ML;
using TorchSharp;
using Xunit.Abstractions;
using MLNetDeep.Tests.Support;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// The same seed and data give bit-identical weights, history and predictions, and the MLContext's seed counts when no explicit seed is set;
/// another libtorch thread count still trains, and whether it is bit-identical is measured and reported.
/// </summary>
public sealed class ReproducibilityTests(ITestOutputHelper output)
{
    private static MulticlassDeepNeuralNetworkTransformer Train(int? threads, IDataView data) =>
        new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 64, 32 },
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            DropoutRate = 0.3,
            Epochs = 3,
            BatchSize = 32,
            ValidationFraction = 0.2,
            Seed = 9,
            NumberOfThreads = threads,
        }).Fit(data);

    private static IDataView Data() => SyntheticData.Blobs(new MLContext(seed: 0), 600, 48, classes: 4, seed: 3, spread: 2f).Data;

    private static byte[] Onnx(DeepNeuralNetworkTransformer model)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        return stream.ToArray();
    }

    [Fact]
    [Trait("Reliability", "R-01")]
    public void TheSameSeedGivesBitIdenticalScoresAndOnnxGraphs()
    {
        var data = Data();
        using var first = Train(threads: 1, data);
        using var second = Train(threads: 1, data);
        Assert.Equal(Onnx(first), Onnx(second));
        Assert.Equal(TrainedModel.Scores(first, data), TrainedModel.Scores(second, data));

        var ml = new MLContext(seed: 1);
        using var zip = new MemoryStream();
        ml.Model.Save(second, data.Schema, zip);
        var loaded = ml.Model.Load(new MemoryStream(zip.ToArray()), out _);
        Assert.Equal(TrainedModel.Scores(first, data), TrainedModel.Scores(loaded, data));
    }

    [Fact]
    [Trait("Reliability", "R-02")]
    public void AnotherThreadCountTrainsAndTheDifferenceIsReported()
    {
        var data = Data();
        using var one = Train(threads: 1, data);
        using var two = Train(threads: 2, data);
        var a = TrainedModel.Scores(one, data);
        var b = TrainedModel.Scores(two, data);
        double maxDifference = a.Zip(b).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));
        bool identical = Onnx(one).AsSpan().SequenceEqual(Onnx(two));
        output.WriteLine($"1 vs 2 threads: bit-identical weights {identical}, max |Δscore| {maxDifference:G3}, " +
            $"accuracy {one.History.Epochs[^1].ValidationMetric:F4} vs {two.History.Epochs[^1].ValidationMetric:F4}");
        Assert.All(two.History.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss)));
        Assert.InRange(maxDifference, 0, 0.05);
    }

    [Fact]
    [Trait("Reliability", "R-03")]
    public void NumberOfThreadsDoesNotLeakIntoTheRestOfTheProcess()
    {
        int before = torch.get_num_threads();
        int other = before == 1 ? 2 : 1;
        using var model = new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 4 }, Epochs = 1, NumberOfThreads = other, Seed = 1,
        }).Fit(SyntheticData.Blobs(new MLContext(seed: 0), 40, 4, classes: 2, seed: 1).Data);
        Assert.Equal(before, torch.get_num_threads());
    }

    // The weights and history, and the MLContext seed as the default.
    private static MulticlassDeepNeuralNetworkTransformer TrainWithSeed(MLContext ml, int? seed)
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
        using var first = TrainWithSeed(new MLContext(), seed: 7);
        using var second = TrainWithSeed(new MLContext(), seed: 7);
        Assert.True(SameWeights(first, second));
        Assert.Equal(first.History.Epochs.Select(e => e.TrainLoss), second.History.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(7, first.Seed);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWeights()
    {
        using var first = TrainWithSeed(new MLContext(), seed: 7);
        using var second = TrainWithSeed(new MLContext(), seed: 8);
        Assert.False(SameWeights(first, second));
    }

    [Fact]
    public void MLContextSeedIsHonouredWhenNoExplicitSeed()
    {
        using var first = TrainWithSeed(new MLContext(seed: 21), seed: null);
        using var second = TrainWithSeed(new MLContext(seed: 21), seed: null);
        Assert.Equal(first.Seed, second.Seed);
        Assert.True(SameWeights(first, second));
    }
}
