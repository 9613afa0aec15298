using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// The ValidationFraction split of class labels is stratified (a rare class is validated, so AUC is defined), seeded
/// and deterministic, in memory and streamed; empty training data is an error that says there are no rows.
/// </summary>
public sealed class ValidationSplitAndEmptyDataTests
{
    /// <summary>4 positives among 200 rows: an unstratified 10 % sample (20 rows) misses them all about 2 times in 5.</summary>
    private static (MLContext, IDataView) RarePositives()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 200).Select(i => new SyntheticData.BinaryRow
        {
            Features = new[] { i / 200f, (i % 7) / 7f },
            Label = i is 17 or 60 or 111 or 170,
        }).ToList();
        return (ml, SyntheticData.Load(ml, rows, 2));
    }

    [Theory]
    [InlineData(DataLoadingMode.InMemory)]
    [InlineData(DataLoadingMode.Streaming)]
    public void ARareClassIsInTheValidationRowsSoTheAucIsDefined(DataLoadingMode loading)
    {
        for (int seed = 1; seed <= 6; seed++)
        {
            var (ml, data) = RarePositives();
            using var log = new LogCapture(ml);
            using var model = ml.BinaryClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 4 },
                Epochs = 1,
                ValidationFraction = 0.1,
                DataLoading = loading,
                Seed = seed,
            }).Fit(data);
            Assert.True(double.IsFinite(model.History.Epochs[0].ValidationAuc!.Value), $"seed {seed}: AUC {model.History.Epochs[0].ValidationAuc}");
            Assert.DoesNotContain(log.Warnings, w => w.Contains("has no rows of class(es)", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void EachClassGivesItsShareOfValidationRowsAndAtLeastOne()
    {
        // 900, 90 and 10 rows and a class of 2: 10 % is 90, 9 and 1, and the class of 2 gives one row.
        var targets = Enumerable.Repeat(0f, 900).Concat(Enumerable.Repeat(1f, 90)).Concat(Enumerable.Repeat(2f, 10)).Concat(new[] { 3f, 3f }).ToArray();
        var (train, validation) = StratifiedSplit.Split(targets, 0.1, seed: 5);
        var counts = validation.GroupBy(i => targets[i]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<float, int> { [0f] = 90, [1f] = 9, [2f] = 1, [3f] = 1 }, counts);
        Assert.Equal(targets.Length, train.Length + validation.Length);
        Assert.Empty(train.Intersect(validation));

        // A class of one row stays in training when the apportionment does not need it.
        var single = Enumerable.Repeat(0f, 99).Append(1f).ToArray();
        Assert.DoesNotContain(StratifiedSplit.Split(single, 0.1, seed: 5).Validation, i => single[i] == 1f);
    }

    [Fact]
    public void TheSplitIsSeededAndDeterministic()
    {
        var targets = Enumerable.Range(0, 500).Select(i => (float)(i % 4)).ToArray();
        var first = StratifiedSplit.Split(targets, 0.2, seed: 3);
        var again = StratifiedSplit.Split(targets, 0.2, seed: 3);
        var other = StratifiedSplit.Split(targets, 0.2, seed: 4);
        Assert.Equal(first.Validation, again.Validation);
        Assert.Equal(first.Train, again.Train);
        Assert.NotEqual(first.Validation.Order(), other.Validation.Order());
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(25, first.Validation.Count(i => targets[i] == c)));
    }

    [Fact]
    public void TheStreamedSplitGivesEachClassAboutItsShareAndAgreesOnEveryPass()
    {
        var targets = Enumerable.Range(0, 10_000).Select(i => i % 50 == 0 ? 1f : 0f).ToArray();
        var split = new StratifiedStreamingSplit(seed: 7, fraction: 0.1);
        var decided = targets.Select((t, i) => split.Decide(i, t)).ToArray();
        // Row 1 of each class, then one in ten: 1 + 9,798 × 0.1 and 1 + 198 × 0.1, each within one row.
        Assert.InRange(Enumerable.Range(0, targets.Length).Count(i => decided[i] && targets[i] == 0f), 980, 982);
        Assert.InRange(Enumerable.Range(0, targets.Length).Count(i => decided[i] && targets[i] == 1f), 20, 22);
        Assert.Equal(decided, Enumerable.Range(0, targets.Length).Select(i => split.IsValidation(i)));
        // Each class's first row trains and its second validates, so a class of two rows is in both.
        Assert.False(decided[0]);
        Assert.True(decided[50]);

        var again = new StratifiedStreamingSplit(seed: 7, fraction: 0.1);
        Assert.Equal(decided, targets.Select((t, i) => again.Decide(i, t)));
        var other = new StratifiedStreamingSplit(seed: 8, fraction: 0.1);
        Assert.NotEqual(decided, targets.Select((t, i) => other.Decide(i, t)));
    }

    [Fact]
    public void TheStreamedSplitOfClassLabelsSizesTheSourcesItDecided()
    {
        var ml = new MLContext(seed: 1);
        var (data, rows) = SyntheticData.Blobs(ml, 500, 6, classes: 3, seed: 2);
        var options = new DeepNeuralNetworkOptions { DataLoading = DataLoadingMode.Streaming, ValidationFraction = 0.2 };
        using var host = new MLNetDeep.Trainers.Hosting.TrainingHost(ml, "test");
        var split = new TrainingDataLoader(options, new KeyLabelReader(), 4, host).Load(data, CancellationToken.None);
        var expected = new StratifiedStreamingSplit(4, 0.2);
        // Blobs' classes take turns, and keys follow first appearance: class c is key c + 1.
        int validationRows = rows.Select((r, i) => expected.Decide(i, int.Parse(r.Label[5..]) + 1)).Count(v => v);
        Assert.Equal(validationRows, split.ValidationTargets!.Count);
        var (train, validation) = split.CreateSources(new MulticlassObjective(3), TorchSharp.torch.CPU);
        using (train)
        using (validation)
        {
            Assert.Equal(500 - validationRows, train.InOrder(64, CancellationToken.None).Sum(b => { using (b) return b.Count; }));
            Assert.Equal(validationRows, validation!.InOrder(64, CancellationToken.None).Sum(b => { using (b) return b.Count; }));
        }
    }

    public static TheoryData<string, DataLoadingMode> Tasks() => new()
    {
        { "multiclass", DataLoadingMode.InMemory },
        { "multiclass", DataLoadingMode.Streaming },
        { "binary", DataLoadingMode.InMemory },
        { "binary", DataLoadingMode.Streaming },
        { "regression", DataLoadingMode.InMemory },
        { "regression", DataLoadingMode.Streaming },
    };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void EmptyTrainingDataSaysThereAreNoRows(string task, DataLoadingMode loading)
    {
        var ml = new MLContext(seed: 1);
        var options = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 4 }, Epochs = 1, DataLoading = loading, ValidationFraction = 0.2 };
        var error = Assert.ThrowsAny<ArgumentException>(() =>
        {
            switch (task)
            {
                case "multiclass":
                    // A key type fitted on real rows, then every row filtered out.
                    var keyed = SyntheticData.Blobs(ml, 10, 3, classes: 2, seed: 1).Data;
                    ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(ml.Data.SkipRows(keyed, 100)).Dispose();
                    break;
                case "binary":
                    ml.BinaryClassification.Trainers.DeepNeuralNetwork(options).Fit(SyntheticData.Load(ml, Array.Empty<SyntheticData.BinaryRow>(), 3)).Dispose();
                    break;
                default:
                    ml.Regression.Trainers.DeepNeuralNetwork(options).Fit(SyntheticData.Load(ml, Array.Empty<SyntheticData.RegressionRow>(), 3)).Dispose();
                    break;
            }
        });
        Assert.Contains("The training data has no rows", error.Message);
        Assert.DoesNotContain("class", error.Message);
    }
}
