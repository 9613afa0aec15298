using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>Early stopping stops after the patience runs out and hands back the best epoch's weights.</summary>
public sealed class EarlyStoppingTests
{
    [Fact]
    public void StopsAndRestoresTheBestEpoch()
    {
        var ml = new MLContext(seed: 1);
        // Few noisy rows and a large, fast-learning net: validation loss bottoms out early, then climbs.
        var (train, _) = SyntheticData.Blobs(ml, rows: 60, features: 10, classes: 3, seed: 2, spread: 3f);
        var (validation, _) = SyntheticData.Blobs(ml, rows: 300, features: 10, classes: 3, seed: 2, spread: 3f);
        var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 256, 256 },
            LearningRate = 0.01,
            Epochs = 60,
            BatchSize = 8,
            Seed = 4,
            ValidationSet = validation,
            EarlyStopping = new EarlyStoppingOptions { Patience = 3 },
        }).Fit(train);

        var epochs = model.History.Epochs;
        Assert.True(model.History.StoppedEarly, $"expected an early stop; ran {epochs.Count} epochs");
        var best = epochs.MinBy(e => e.ValidationLoss!.Value)!;
        Assert.Equal(best.Epoch, model.History.BestEpoch);
        Assert.Equal(best.Epoch + 3, epochs.Count);
        Assert.True(epochs[^1].ValidationLoss > best.ValidationLoss);

        // The returned weights are the best epoch's: evaluating them now reproduces its validation figures.
        Assert.Equal(best.ValidationLoss!.Value, ValidationLoss(model, validation), 5);
        Assert.Equal(best.ValidationMetric!.Value, ml.MulticlassClassification.Evaluate(model.Transform(validation)).MicroAccuracy, 6);
    }

    [Fact]
    public void WithoutRestoringTheLastEpochIsKept()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = SyntheticData.Blobs(ml, rows: 60, features: 10, classes: 3, seed: 2, spread: 3f);
        var (validation, _) = SyntheticData.Blobs(ml, rows: 300, features: 10, classes: 3, seed: 2, spread: 3f);
        var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 256, 256 }, LearningRate = 0.01, Epochs = 60, BatchSize = 8, Seed = 4,
            ValidationSet = validation,
            EarlyStopping = new EarlyStoppingOptions { Patience = 3, RestoreBestWeights = false },
        }).Fit(train);
        var last = model.History.Epochs[^1];
        Assert.Equal(last.Epoch, model.History.BestEpoch);
        Assert.Equal(last.ValidationLoss!.Value, ValidationLoss(model, validation), 5);
    }

    /// <summary>
    /// Cross-entropy of the model's network on the data, computed from logits as training does (ML.NET's
    /// log-loss clamps probabilities, which differs for the overconfident predictions of an overfit net).
    /// </summary>
    private static double ValidationLoss(MulticlassDeepNeuralNetworkTransformer model, IDataView data)
    {
        var features = data.GetColumn<float[]>("Features").ToArray();
        var labels = data.GetColumn<uint>("Label").Select(k => (long)k - 1).ToArray();
        using var _ = no_grad();
        using var x = tensor(features.SelectMany(f => f).ToArray(), new long[] { features.Length, features[0].Length });
        using var y = tensor(labels);
        using var logits = model.Network.forward(x);
        using var loss = nn.functional.cross_entropy(logits, y);
        return loss.item<float>();
    }

    [Fact]
    public void ValidationMetricWithoutValidationDataIsAClearError()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = SyntheticData.Blobs(ml, rows: 30, features: 4, classes: 2, seed: 2);
        // Caught when the trainer is created, before any data is read.
        var error = Assert.ThrowsAny<ArgumentException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 4 }, Epochs = 2, EarlyStopping = new EarlyStoppingOptions(),
        }).Fit(train));
        Assert.Contains("ValidationLoss", error.Message);
        Assert.Contains("ValidationFraction", error.Message);
    }
}
