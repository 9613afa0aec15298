using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;

namespace MLNetDeep.Trainers.Tests.Streaming;

/// <summary>How data gets streamed: the mode Auto picks, the streamed validation split, non-finite rows, and the options' checks.</summary>
public sealed class StreamingDataTests
{
    private const int Features = 4;

    private static PreparedTrainingData Load(MLContext ml, IDataView data, DeepNeuralNetworkOptions options, int seed = 3)
    {
        using var host = new TrainingHost(ml, "test");
        return new TrainingDataLoader(options, new KeyLabelReader(), seed, host).Load(data, CancellationToken.None);
    }

    [Fact]
    public void AutoStreamsOnlyAboveTheLimitAndCountsRowsAViewDoesNotKnow()
    {
        var ml = new MLContext(seed: 1);
        var (known, _) = SyntheticData.Blobs(ml, 100, Features, classes: 2, seed: 1);
        var unknown = CountingRows.Numbered(100, Features, classes: 2).Load(ml, Features, classes: 2);
        Assert.Null(unknown.GetRowCount());
        long bytes = 100 * Features * sizeof(float);
        foreach (var data in new[] { known, unknown })
        {
            Assert.False(DataLoadingChoice.Streams(new DeepNeuralNetworkOptions { InMemoryLimitBytes = bytes }, data, Features, out string within, out long? countedWithin));
            Assert.Contains($"{bytes:N0} bytes, within InMemoryLimitBytes", within);
            Assert.Equal(100, countedWithin);
            Assert.True(DataLoadingChoice.Streams(new DeepNeuralNetworkOptions { InMemoryLimitBytes = bytes - 1 }, data, Features, out string above, out _));
            Assert.Contains("more than InMemoryLimitBytes", above);
        }
        Assert.True(DataLoadingChoice.Streams(new DeepNeuralNetworkOptions { DataLoading = DataLoadingMode.Streaming }, known, Features, out _, out _));
        Assert.False(DataLoadingChoice.Streams(new DeepNeuralNetworkOptions { DataLoading = DataLoadingMode.InMemory, InMemoryLimitBytes = 1 }, known, Features, out _, out _));
        Assert.IsType<StreamedTrainingData>(Load(ml, known, new DeepNeuralNetworkOptions { InMemoryLimitBytes = bytes - 1 }));
        Assert.IsType<InMemoryTrainingData>(Load(ml, known, new DeepNeuralNetworkOptions()));
    }

    [Fact]
    public void FitLogsTheModeItChose()
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Blobs(ml, 60, Features, classes: 2, seed: 1);
        using var log = new LogCapture(ml);
        using var _ = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 4 }, Epochs = 1, Seed = 1, InMemoryLimitBytes = 100,
        }).Fit(data);
        Assert.Contains(log.All, m => m.Contains("Streaming the data every epoch: DataLoading is Auto and 60 rows × 4 features take 960 bytes, more than InMemoryLimitBytes (100)"));
    }

    [Fact]
    public void TheStreamedValidationSplitIsAboutTheFractionDeterministicPerSeedAndDisjoint()
    {
        var first = new ValidationSplit(seed: 4, fraction: 0.2);
        var again = new ValidationSplit(seed: 4, fraction: 0.2);
        var other = new ValidationSplit(seed: 5, fraction: 0.2);
        var chosen = Enumerable.Range(0, 20_000).Where(p => first.IsValidation(p)).ToList();
        // Binomial(20000, 0.2): σ ≈ 57, so ±300 fails only for a broken hash.
        Assert.InRange(chosen.Count, 3_700, 4_300);
        Assert.Equal(chosen, Enumerable.Range(0, 20_000).Where(p => again.IsValidation(p)));
        var otherChosen = Enumerable.Range(0, 20_000).Where(p => other.IsValidation(p)).ToHashSet();
        Assert.InRange(chosen.Count(otherChosen.Contains), 600, 1_000);

        // Regression labels take this split as it is (class labels take the stratified one, tested on its own).
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Friedman1(ml, 500, seed: 2);
        var options = new DeepNeuralNetworkOptions { DataLoading = DataLoadingMode.Streaming, ValidationFraction = 0.2 };
        using var host = new TrainingHost(ml, "test");
        var split = new TrainingDataLoader(options, new FloatLabelReader(), 4, host).Load(data, CancellationToken.None);
        int expected = Enumerable.Range(0, 500).Count(p => first.IsValidation(p));
        Assert.Equal(expected, split.ValidationTargets!.Count);
        Assert.Equal(500 - expected, split.TrainTargets.Count);
    }

    [Fact]
    public void AFractionThatLeavesNoValidationRowIsAnError()
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Blobs(ml, 3, Features, classes: 3, seed: 2);
        var options = new DeepNeuralNetworkOptions { DataLoading = DataLoadingMode.Streaming, ValidationFraction = 0.01 };
        var error = Assert.Throws<ArgumentException>(() => Load(ml, data, options));
        Assert.Contains("ValidationFraction 0.01 of 3 rows leaves 0 validation and 3 training rows; both need at least one.", error.Message);
    }

    [Fact]
    public void NonFiniteRowsAreNamedOrSkippedAndCountedAsInMemory()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Blobs(ml, 90, Features, classes: 3, seed: 5);
        rows[4].Features[2] = float.NaN;
        rows[40].Features[0] = float.PositiveInfinity;
        rows[77].Features[3] = float.NaN;
        var data = SyntheticData.ToKeyed(ml, rows, Features);
        var options = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 4 }, Epochs = 1, Seed = 1, DataLoading = DataLoadingMode.Streaming, ValidationFraction = 0.3 };

        var error = Assert.Throws<InvalidDataException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data));
        Assert.Contains("Features column 'Features' has a non-finite value (NaN) at row 4, slot 2 of the training data", error.Message);

        options.SkipRowsWithNonFiniteValues = true;
        using var log = new LogCapture(ml);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data);
        Assert.Contains(log.Warnings, w => w.StartsWith("Skipped 3 of 90 rows of the training data (first at row 4)"));
        var split = Load(ml, data, options, seed: 1);
        Assert.Equal(87, split.TrainTargets.Count + split.ValidationTargets!.Count);
        Assert.Equal(87, split.AllTargets.Count);
    }

    [Theory]
    [InlineData(nameof(DeepNeuralNetworkOptions.ShuffleBufferRows), "DeepNeuralNetworkOptions.ShuffleBufferRows is 0; expected a row count >= 1")]
    [InlineData(nameof(DeepNeuralNetworkOptions.InMemoryLimitBytes), "DeepNeuralNetworkOptions.InMemoryLimitBytes is 0; expected a byte count > 0")]
    [InlineData(nameof(DeepNeuralNetworkOptions.DataLoading), "DeepNeuralNetworkOptions.DataLoading is 7; expected one of Auto, InMemory, Streaming")]
    public void BadLoadingOptionsAreNamedWithWhatWasExpected(string option, string message)
    {
        var options = new DeepNeuralNetworkOptions();
        switch (option)
        {
            case nameof(DeepNeuralNetworkOptions.ShuffleBufferRows): options.ShuffleBufferRows = 0; break;
            case nameof(DeepNeuralNetworkOptions.InMemoryLimitBytes): options.InMemoryLimitBytes = 0; break;
            default: options.DataLoading = (DataLoadingMode)7; break;
        }
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().MulticlassClassification.Trainers.DeepNeuralNetwork(options));
        Assert.Contains(message, error.Message);
    }
}
