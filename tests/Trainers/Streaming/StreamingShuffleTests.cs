using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers.Tests.Streaming;

/// <summary>The streamed shuffle: reproducible for a seed, good enough to learn, every row once an epoch, and bounded by its buffer.</summary>
public sealed class StreamingShuffleTests
{
    private const int Features = 4;

    private static DeepNeuralNetworkOptions Streamed(int seed, int bufferRows) => new()
    {
        ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
        HiddenLayers = new[] { 16 }, Epochs = 4, BatchSize = 16, Seed = seed, NumberOfThreads = 1,
        DataLoading = DataLoadingMode.Streaming, ShuffleBufferRows = bufferRows,
    };

    private static float[] Scores(MLContext ml, ITransformer model, IDataView data) =>
        model.Transform(data).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();

    [Fact]
    public void ASeedReproducesTheRunAndAnotherSeedChangesIt()
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Blobs(ml, 300, Features, classes: 3, seed: 2, spread: 1.5f);
        using var first = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Streamed(5, 40)).Fit(data);
        using var again = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Streamed(5, 40)).Fit(data);
        using var other = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Streamed(6, 40)).Fit(data);
        Assert.Equal(Scores(ml, first, data), Scores(ml, again, data));
        Assert.Equal(first.History.Epochs.Select(e => e.TrainLoss), again.History.Epochs.Select(e => e.TrainLoss));
        Assert.NotEqual(Scores(ml, first, data), Scores(ml, other, data));
    }

    [Theory]
    [InlineData(false, 50)]
    [InlineData(true, 400)]
    public void ShuffledStreamingLearns(bool sortedByClass, int bufferRows)
    {
        var ml = new MLContext(seed: 1);
        // Sorted by class is the order a bounded shuffle mixes worst; a buffer as large as the data mixes it fully.
        var (_, rows) = SyntheticData.Blobs(ml, 400, Features, classes: 4, seed: 8, spread: 0.6f);
        var data = SyntheticData.ToKeyed(ml, sortedByClass ? rows.OrderBy(r => r.Label).ToList() : rows, Features);
        var options = Streamed(3, bufferRows);
        options.Epochs = 8;
        double Accuracy(DeepNeuralNetworkOptions o)
        {
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(o).Fit(data);
            return ml.MulticlassClassification.Evaluate(model.Transform(data)).MacroAccuracy;
        }
        double streamed = Accuracy(options);
        options.DataLoading = DataLoadingMode.InMemory;
        double inMemory = Accuracy(options);
        // Two of the blobs overlap a little, so neither path reaches 1; the streamed shuffle must learn as well as a full one.
        Assert.True(streamed > 0.85 && streamed >= inMemory - 0.02, $"streamed macro accuracy {streamed:F3}, in memory {inMemory:F3}");
    }

    [Fact]
    public void AnEpochGivesEveryRowOnceAndReadsAtMostTheBufferAhead()
    {
        var ml = new MLContext(seed: 1);
        var counting = CountingRows.Numbered(250, Features, classes: 3);
        var data = counting.Load(ml, Features, classes: 3);
        const int Buffer = 32, BatchSize = 10;
        var streamed = new StreamedRows(data, "Features", "Label", new KeyLabelReader(), "training", SkipNonFiniteRows: false, Include: null);
        using var source = new StreamingBatchSource(streamed, 250, Features, new float[Features], new float[Features], new FeatureMoments(Features), new MulticlassObjective(3), torch.CPU, Buffer);
        using var generator = new torch.Generator(42);

        var order = new List<int>();
        foreach (var batch in source.Epoch(BatchSize, shuffle: true, hasBatchNorm: false, generator, CancellationToken.None))
        {
            using (batch)
                order.AddRange(batch.Features.select(1, 0).data<float>().ToArray().Select(v => (int)v));
            // What was read but not yet handed out is in the buffer: never more than the buffer (and one row in hand).
            Assert.InRange(counting.Taken - order.Count, 0, Buffer + 1);
        }
        Assert.Equal(Enumerable.Range(0, 250), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 250), order);
        Assert.Equal(Buffer, source.PeakRowsBuffered);
        Assert.True(order.Select((row, i) => row - i).Max() <= Buffer, "a row leaves the buffer at most its size early");
    }
}
