using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers.Tests.Options;

/// <summary>
/// The size-dependent defaults (documented on <see cref="TrainingOptions.ValidationFraction"/>): exactly when they apply,
/// that every option the user set wins, the log line, the fingerprint of the resolved options, and determinism. Their
/// accuracy is the tabular benchmark's business (BENCHMARKS.md, "Tabular data"), not a test's.
/// </summary>
public sealed class SmallDataDefaultsTests
{
    private static readonly List<string> Discarded = new();

    private static TrainingOptions Resolve(DeepNeuralNetworkOptions options, long rows, List<string>? log = null) =>
        SmallDataDefaults.Resolve(options, rows, classLabels: true, (log ?? Discarded).Add);

    private static void AssertSmallDataDefaults(TrainingOptions resolved, double l2, int[] hiddenLayers)
    {
        Assert.Equal(0.15, resolved.ValidationFraction);
        var early = Assert.IsType<EarlyStoppingOptions>(resolved.EarlyStopping);
        Assert.Equal(EarlyStoppingMetric.ValidationLoss, early.Metric);
        Assert.Equal(10, early.Patience);
        Assert.Equal(0, early.MinDelta);
        Assert.True(early.RestoreBestWeights);
        Assert.Equal(200, resolved.Epochs);
        Assert.Equal(l2, resolved.L2);
        Assert.Equal(hiddenLayers, ((DeepNeuralNetworkOptions)resolved).HiddenLayers);
    }

    private static void AssertTodaysDefaults(TrainingOptions resolved)
    {
        Assert.Equal(0, resolved.ValidationFraction);
        Assert.Null(resolved.EarlyStopping);
        Assert.Equal(10, resolved.Epochs);
        Assert.Equal(0, resolved.L2);
        Assert.Equal(new[] { 300, 100 }, ((DeepNeuralNetworkOptions)resolved).HiddenLayers);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(569)]
    [InlineData(10_000)]
    [InlineData(10_001)]
    [InlineData(50_000)]
    public void OnOneHundredToFiftyThousandRowsTheSmallDataDefaultsApply(long rows)
    {
        var options = new DeepNeuralNetworkOptions();
        // The compact network and the automatic L2 stop at 10,000 rows; the hold-out and early stopping go on to 50,000.
        bool compact = rows <= 10_000;
        AssertSmallDataDefaults(Resolve(options, rows), l2: compact ? 0.001 : 0, hiddenLayers: compact ? new[] { 100 } : new[] { 300, 100 });
        // A numeric label gets the row-scaled L2 of a regression (10 / n: 0.1 at 100 rows, 0.001 at 10,000) and keeps the 300-100 network.
        var regression = SmallDataDefaults.Resolve(options, rows, classLabels: false, Discarded.Add);
        AssertSmallDataDefaults(regression, l2: compact ? 10.0 / rows : 0, hiddenLayers: new[] { 300, 100 });
        // The user's object is not touched: another Fit, on other data, resolves again.
        Assert.Null(options.ValidationFraction);
        Assert.Null(options.EarlyStopping);
        Assert.Null(options.Epochs);
        Assert.Null(options.L2);
        Assert.Null(options.HiddenLayers);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(99)]
    [InlineData(50_001)]
    [InlineData(1_000_000)]
    public void OutsideThatRangeTheDefaultsAreTodays(long rows) => AssertTodaysDefaults(Resolve(new DeepNeuralNetworkOptions(), rows));

    [Fact]
    public void AnEpochCountOrL2TheUserSetIsKeptWithTheHoldOut()
    {
        var resolved = Resolve(new DeepNeuralNetworkOptions { Epochs = 20, L2 = 0 }, 500);
        Assert.Equal(20, resolved.Epochs);
        Assert.Equal(0, resolved.L2);
        Assert.Equal(0.15, resolved.ValidationFraction);
        Assert.Equal(10, resolved.EarlyStopping!.Patience);
        // And on large data, a set value is kept too.
        var large = Resolve(new DeepNeuralNetworkOptions { Epochs = 3, L2 = 0.01 }, 60_000);
        Assert.Equal(3, large.Epochs);
        Assert.Equal(0.01, large.L2);
    }

    [Fact]
    public void HiddenLayersTheUserSetAreKeptAndReusedLayersKeepTheWideNetwork()
    {
        var set = Resolve(new DeepNeuralNetworkOptions { HiddenLayers = new[] { 300, 100 } }, 500);
        Assert.Equal(new[] { 300, 100 }, ((DeepNeuralNetworkOptions)set).HiddenLayers);
        Assert.Equal(0.001, set.L2);
        var linear = SmallDataDefaults.Resolve(new DeepNeuralNetworkOptions { HiddenLayers = [] }, 500, classLabels: false, Discarded.Add);
        Assert.Empty(((DeepNeuralNetworkOptions)linear).HiddenLayers!);
        Assert.Equal(10.0 / 500, linear.L2);

        // Reused layers come from a network of known widths: an unset HiddenLayers stays { 300, 100 } on small data too.
        using var source = new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 300, 100 }, Epochs = 1, Seed = 1, NumberOfThreads = 1, ValidationFraction = 0,
            })
            .Fit(SyntheticData.Blobs(new MLContext(seed: 0), 20, 3, classes: 2, seed: 1).Data);
        var reusing = Resolve(new DeepNeuralNetworkOptions { ReusedLayers = new ReusedLayers(source, hiddenLayerCount: 1) }, 500);
        Assert.Equal(new[] { 300, 100 }, ((DeepNeuralNetworkOptions)reusing).HiddenLayers);
        Assert.Equal(0.001, reusing.L2);
    }

    [Fact]
    public void SettingValidationFractionValidationSetOrEarlyStoppingTurnsTheRuleOff()
    {
        var noHoldOut = Resolve(new DeepNeuralNetworkOptions { ValidationFraction = 0 }, 500);
        AssertTodaysDefaults(noHoldOut);

        var fraction = Resolve(new DeepNeuralNetworkOptions { ValidationFraction = 0.3 }, 500);
        Assert.Equal(0.3, fraction.ValidationFraction);
        Assert.Null(fraction.EarlyStopping);
        Assert.Equal(10, fraction.Epochs);
        Assert.Equal(0, fraction.L2);

        var ml = new MLContext(seed: 1);
        var validationSet = SyntheticData.Blobs(ml, 20, 3, classes: 2, seed: 1).Data;
        var withSet = Resolve(new DeepNeuralNetworkOptions { ValidationSet = validationSet }, 500);
        Assert.Same(validationSet, withSet.ValidationSet);
        Assert.Equal(0, withSet.ValidationFraction);
        Assert.Null(withSet.EarlyStopping);
        Assert.Equal(10, withSet.Epochs);

        var mine = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.TrainingLoss, Patience = 3 };
        var withEarlyStopping = Resolve(new DeepNeuralNetworkOptions { EarlyStopping = mine }, 500);
        Assert.Same(mine, withEarlyStopping.EarlyStopping);
        Assert.Equal(0, withEarlyStopping.ValidationFraction);
        Assert.Equal(10, withEarlyStopping.Epochs);
        Assert.Equal(0, withEarlyStopping.L2);
    }

    [Fact]
    public void TheChoiceIsOneLogLineOnlyWhenTheRowCountDecided()
    {
        var log = new List<string>();
        Resolve(new DeepNeuralNetworkOptions(), 455, log);
        Assert.Equal(
            "Small data (455 rows): holding out 15 % (stratified by class) for validation, early stopping on validation loss " +
            "(patience 10, best weights restored), up to 200 epochs, L2 0.001, hidden layers 100. Set ValidationFraction (0 trains on every row), " +
            "ValidationSet or EarlyStopping to choose otherwise.",
            Assert.Single(log));

        log.Clear();
        SmallDataDefaults.Resolve(new DeepNeuralNetworkOptions { Epochs = 30, HiddenLayers = new[] { 64, 32 } }, 1_200, classLabels: false, log.Add);
        Assert.StartsWith("Small data (1,200 rows): holding out 15 % for validation, ", Assert.Single(log));
        Assert.Contains("up to 30 epochs (set), L2 0.00833 (10 / rows), hidden layers 64-32 (set). ", log[0]);

        log.Clear();
        Resolve(new DeepNeuralNetworkOptions(), 20_000, log);
        Assert.Contains("up to 200 epochs, L2 0, hidden layers 300-100. ", Assert.Single(log));

        log.Clear();
        Resolve(new DeepNeuralNetworkOptions { L2 = 0.01 }, 60_000, log);
        Assert.Equal("Many rows (60,000, over 50,000): training on every row without validation or early stopping, 10 epochs, L2 0.01 (set), hidden layers 300-100.", Assert.Single(log));

        log.Clear();
        Resolve(new DeepNeuralNetworkOptions(), 40, log);
        Assert.Equal("Few rows (40, under 100): training on every row without validation or early stopping, 10 epochs, L2 0, hidden layers 300-100.", Assert.Single(log));

        log.Clear();
        Resolve(new DeepNeuralNetworkOptions { ValidationFraction = 0 }, 455, log);
        Assert.Empty(log);
    }

    [Fact]
    public void TheFingerprintHoldsTheResolvedValues()
    {
        // A run with the automatic choice and one that sets the same values by hand train alike, so one resumes the other.
        string automatic = RunFingerprint.Text(Resolve(new DeepNeuralNetworkOptions(), 455), 1, streamed: false).ToString();
        var byHand = new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0.15, EarlyStopping = new EarlyStoppingOptions { Patience = 10 }, Epochs = 200, L2 = 0.001,
            HiddenLayers = new[] { 100 },
        };
        Assert.Equal(RunFingerprint.Text(byHand, 1, streamed: false).ToString(), automatic);
        Assert.Contains("L2=0.001;", automatic);
        Assert.Contains("EarlyStopping=ValidationLoss,10,0,True;", automatic);
        Assert.Contains("HiddenLayers=100;", automatic);
        // Large data resolves to what an explicit L2 = 0 without early stopping gives.
        string large = RunFingerprint.Text(Resolve(new DeepNeuralNetworkOptions(), 60_000), 1, streamed: false).ToString();
        Assert.Equal(RunFingerprint.Text(new DeepNeuralNetworkOptions { L2 = 0 }, 1, streamed: false).ToString(), large);
        Assert.NotEqual(automatic, large);
    }

    private static PreparedTrainingData Load(MLContext ml, IDataView data, DeepNeuralNetworkOptions options, LabelColumnReader reader, out TrainingOptions resolved)
    {
        using var host = new TrainingHost(ml, "test");
        return new TrainingDataLoader(options, reader, 4, host).Load(data, CancellationToken.None, out resolved);
    }

    [Theory]
    [InlineData(DataLoadingMode.InMemory)]
    [InlineData(DataLoadingMode.Streaming)]
    public void TheLoaderHoldsOutFromOneHundredClassRowsAndNotFromNinetyNine(DataLoadingMode loading)
    {
        var ml = new MLContext(seed: 1);
        var options = new DeepNeuralNetworkOptions { DataLoading = loading };
        var atThreshold = Load(ml, SyntheticData.Blobs(ml, 100, 3, classes: 2, seed: 1).Data, options, new KeyLabelReader(), out var resolved);
        Assert.Equal(0.15, resolved.ValidationFraction);
        Assert.NotNull(atThreshold.ValidationTargets);
        // In memory the stratified split takes 15 % of each class exactly; streamed, every 1/0.15-th row of each class.
        if (loading == DataLoadingMode.InMemory)
            Assert.Equal(15, atThreshold.ValidationTargets!.Count);
        Assert.InRange(atThreshold.ValidationTargets!.Count, 12, 18);
        Assert.Equal(100, atThreshold.TrainTargets.Count + atThreshold.ValidationTargets.Count);
        Assert.Equal(2, atThreshold.ValidationTargets.Classes.Count);

        var below = Load(ml, SyntheticData.Blobs(ml, 99, 3, classes: 2, seed: 1).Data, options, new KeyLabelReader(), out var belowResolved);
        Assert.Null(below.ValidationTargets);
        Assert.Equal(99, below.TrainTargets.Count);
        Assert.Null(belowResolved.EarlyStopping);
    }

    [Fact]
    public void TheLoaderCountsUsableRowsAndDecidesAtFiftyThousand()
    {
        var ml = new MLContext(seed: 1);
        var reader = new FloatLabelReader();
        var atThreshold = Load(ml, SyntheticData.Friedman1(ml, 50_000, seed: 1).Data, new DeepNeuralNetworkOptions(), reader, out _);
        Assert.Equal(7_500, atThreshold.ValidationTargets!.Count);
        var above = Load(ml, SyntheticData.Friedman1(ml, 50_001, seed: 1).Data, new DeepNeuralNetworkOptions(), reader, out var resolved);
        Assert.Null(above.ValidationTargets);
        Assert.Equal(10, resolved.Epochs);

        // 101 rows of which 2 are skipped are 99 usable rows: below the threshold.
        var (_, rows) = SyntheticData.Friedman1(ml, 101, seed: 1);
        rows[3].Features[0] = float.NaN;
        rows[50].Label = float.PositiveInfinity;
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(SyntheticData.RegressionRow));
        schema[nameof(SyntheticData.RegressionRow.Features)].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, 10);
        var withBadRows = ml.Data.LoadFromEnumerable(rows, schema);
        var usable = Load(ml, withBadRows, new DeepNeuralNetworkOptions { SkipRowsWithNonFiniteValues = true }, reader, out _);
        Assert.Null(usable.ValidationTargets);
        Assert.Equal(99, usable.TrainTargets.Count);
    }

    [Fact]
    public void FitWithDefaultsHoldsOutStopsEarlyLogsAndIsDeterministic()
    {
        MulticlassDeepNeuralNetworkTransformer Train(out IReadOnlyList<string> messages)
        {
            var ml = new MLContext(seed: 1);
            // Overlapping blobs (spread 4): the validation loss turns up within a few dozen epochs.
            var (data, _) = SyntheticData.Blobs(ml, 200, 4, classes: 3, seed: 3, spread: 4f);
            using var log = new LogCapture(ml);
            var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 16 }, Seed = 5, NumberOfThreads = 1,
            }).Fit(data);
            messages = log.All;
            return model;
        }
        using var first = Train(out var log);
        using var second = Train(out _);
        Assert.Contains(log, m => m.StartsWith("Small data (200 rows): holding out 15 % (stratified by class) for validation", StringComparison.Ordinal));
        Assert.Contains(log, m => m.Contains("Training on 170 rows of 4 features, validating on 30 rows"));
        var history = first.History;
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationLoss));
        Assert.True(history.StoppedEarly, $"trained all {history.Epochs.Count} epochs");
        Assert.InRange(history.Epochs.Count, 11, 199);
        // Patience 10: the best epoch is the one 10 epochs before the last, and its weights are the model's.
        Assert.Equal(history.Epochs.Count - 10, history.BestEpoch);
        Assert.Equal(history.Epochs.Min(e => e.ValidationLoss), history.Epochs[history.BestEpoch - 1].ValidationLoss);
        Assert.Equal(history.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss)), second.History.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss)));
        Assert.Equal(Onnx(first), Onnx(second));
    }

    [Fact]
    public void FitBuildsTheCompactNetworkForSmallClassTablesAndTheWideOneOtherwise()
    {
        static long[][] Weights(DeepNeuralNetworkTransformer model) =>
            model.Network.named_parameters().Where(p => p.name.EndsWith(".weight", StringComparison.Ordinal)).Select(p => p.parameter.shape).ToArray();
        var ml = new MLContext(seed: 1);
        var classes = SyntheticData.Blobs(ml, 150, 4, classes: 3, seed: 2).Data;
        // 150 rows of class labels: one hidden layer of 100 (4 features, 3 classes), then the output.
        using (var compact = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions { Seed = 1, NumberOfThreads = 1, Epochs = 2 }).Fit(classes))
            Assert.Equal(new[] { new long[] { 100, 4 }, new long[] { 3, 100 } }, Weights(compact));
        // ValidationFraction = 0 turns the rule off: the 300-100 network of the other defaults.
        using (var wide = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions { Seed = 1, NumberOfThreads = 1, Epochs = 2, ValidationFraction = 0 }).Fit(classes))
            Assert.Equal(new[] { new long[] { 300, 4 }, new long[] { 100, 300 }, new long[] { 3, 100 } }, Weights(wide));
        // A numeric label keeps the 300-100 network on small data too (Friedman1 has 10 features).
        using (var regression = ml.Regression.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions { Seed = 1, NumberOfThreads = 1, Epochs = 2 })
            .Fit(SyntheticData.Friedman1(ml, 150, seed: 2).Data))
            Assert.Equal(new[] { new long[] { 300, 10 }, new long[] { 100, 300 }, new long[] { 1, 100 } }, Weights(regression));
    }

    private static byte[] Onnx(MulticlassDeepNeuralNetworkTransformer model)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        return stream.ToArray();
    }
}
