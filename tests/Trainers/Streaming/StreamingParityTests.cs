using Microsoft.ML;
using TorchSharp;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Tests.Training;

namespace MLNetDeep.Trainers.Tests.Streaming;

/// <summary>
/// Streaming without shuffling reads the same rows in the same batches as the in-memory path, so every task
/// must give bit-identical weights, histories and scores; and everything the in-memory path does (a streamed
/// ValidationSet, early stopping, batch normalization's skipped one-row batch, label standardization) must hold.
/// </summary>
public sealed class StreamingParityTests
{
    private static DeepNeuralNetworkOptions Options(DataLoadingMode mode, Action<DeepNeuralNetworkOptions>? configure = null)
    {
        var options = new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 12 }, Epochs = 3, BatchSize = 16, Seed = 7, Shuffle = false, NumberOfThreads = 1, DataLoading = mode,
        };
        configure?.Invoke(options);
        return options;
    }

    private static void AssertSameWeights(DeepNeuralNetworkTransformer expected, DeepNeuralNetworkTransformer actual)
    {
        var a = expected.Network.state_dict();
        var b = actual.Network.state_dict();
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys)
            Assert.True(a[key].eq(b[key]).all().item<bool>(), $"'{key}' differs between in-memory and streamed training.");
    }

    private static void AssertSameHistory(DeepNeuralNetworkTransformer expected, DeepNeuralNetworkTransformer actual)
    {
        Assert.Equal(expected.History.Epochs.Count, actual.History.Epochs.Count);
        for (int i = 0; i < expected.History.Epochs.Count; i++)
        {
            var (e, s) = (expected.History.Epochs[i], actual.History.Epochs[i]);
            Assert.Equal(e.TrainLoss, s.TrainLoss);
            Assert.Equal(e.TrainMetric, s.TrainMetric);
            Assert.Equal(e.ValidationLoss, s.ValidationLoss);
            Assert.Equal(e.ValidationMetric, s.ValidationMetric);
        }
    }

    [Fact]
    public void MulticlassWithBatchNormValidationSetAndEarlyStoppingIsBitIdentical()
    {
        var ml = new MLContext(seed: 1);
        // 193 rows in batches of 16 end with a one-row batch, which batch normalization skips in both paths.
        var (train, _) = SyntheticData.Blobs(ml, 193, 6, classes: 3, seed: 11, spread: 2f);
        var (validation, _) = SyntheticData.Blobs(ml, 70, 6, classes: 3, seed: 11, spread: 2f);
        void Configure(DeepNeuralNetworkOptions o)
        {
            o.BatchNormalization = BatchNormalizationPlacement.BeforeActivation;
            o.ValidationSet = validation;
            o.EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationLoss, Patience = 1, MinDelta = 0.5 };
            o.Epochs = 6;
        }
        using var inMemory = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.InMemory, Configure)).Fit(train);
        using var streamed = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.Streaming, Configure)).Fit(train);

        Assert.True(inMemory.History.Epochs.Count < 6, "the test means early stopping to stop the run");
        AssertSameHistory(inMemory, streamed);
        AssertSameWeights(inMemory, streamed);
        var scores = (IDataView d) => ml.Data.CreateEnumerable<ScoreRow>(d, reuseRowObject: false).Select(r => r.Score).ToArray();
        Assert.Equal(scores(inMemory.Transform(validation)), scores(streamed.Transform(validation)));
    }

    [Fact]
    public void InputBatchNormAndSampledPreciseStatisticsAreBitIdentical()
    {
        // Width 70,000 caps the batch-norm statistics sample at 256 rows, so 300 rows are subsampled (every 2nd row)
        // in memory and decimated in the streamed pre-pass: both must pick the same rows, and the input batch norm's
        // exact moments must come out the same from the array and from the pre-pass.
        var ml = new MLContext(seed: 1);
        var (train, _) = SyntheticData.Blobs(ml, 300, 70_000, classes: 3, seed: 12, spread: 2f);
        void Configure(DeepNeuralNetworkOptions o)
        {
            o.InputBatchNormalization = true;
            o.BatchNormalization = BatchNormalizationPlacement.BeforeActivation;
            o.HiddenLayers = new[] { 4 };
            o.BatchSize = 128;
            o.Epochs = 2;
        }
        using var inMemory = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.InMemory, Configure)).Fit(train);
        using var streamed = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.Streaming, Configure)).Fit(train);

        Assert.Equal(256, MLNetDeep.Trainers.Data.StatisticsSample.MaximumRows(70_000));
        AssertSameHistory(inMemory, streamed);
        AssertSameWeights(inMemory, streamed);
    }

    [Fact]
    public void BinaryIsBitIdentical()
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Ring(ml, 150, 3, seed: 4);
        using var inMemory = ml.BinaryClassification.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.InMemory)).Fit(data);
        using var streamed = ml.BinaryClassification.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.Streaming)).Fit(data);
        AssertSameHistory(inMemory, streamed);
        AssertSameWeights(inMemory, streamed);
    }

    [Fact]
    public void RegressionWithStandardizedLabelIsBitIdentical()
    {
        var ml = new MLContext(seed: 1);
        var (data, rows) = SyntheticData.Friedman1(ml, 150, seed: 4);
        using var inMemory = ml.Regression.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.InMemory)).Fit(data);
        using var streamed = ml.Regression.Trainers.DeepNeuralNetwork(Options(DataLoadingMode.Streaming)).Fit(data);
        AssertSameHistory(inMemory, streamed);
        AssertSameWeights(inMemory, streamed);
        var outputs = NetworkParity.SingleOutputs(streamed, rows.Select(r => r.Features).ToList());
        Assert.Equal(NetworkParity.SingleOutputs(inMemory, rows.Select(r => r.Features).ToList()), outputs);
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
