using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Training data the network cannot use fails with the column and the first bad row named, or, when the
/// user asks for it, is skipped and reported in <c>mlContext.Log</c>; suspicious splits are warned about.
/// Type, size and empty-data cases already covered elsewhere are listed in docs/reliability.md.
/// </summary>
public sealed class BadTrainingDataTests
{
    private const int Features = 4;

    private static DeepNeuralNetworkOptions Small(Action<DeepNeuralNetworkOptions>? configure = null)
    {
        var options = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 8 }, Epochs = 2, BatchSize = 16, Seed = 3 };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Three well-separated classes, 'class0'..'class2', then whatever <paramref name="alter"/> does to the rows.</summary>
    private static IDataView Data(MLContext ml, int rows = 90, Action<List<SyntheticData.ClassRow>>? alter = null)
    {
        var (_, list) = SyntheticData.Blobs(ml, rows, Features, classes: 3, seed: 5);
        alter?.Invoke(list);
        return SyntheticData.ToKeyed(ml, list, Features);
    }

    private static IDataView KeyedWith(MLContext ml, IEnumerable<SyntheticData.ClassRow> fitOn, IEnumerable<SyntheticData.ClassRow> rows)
    {
        var schema = SchemaDefinition.Create(typeof(SyntheticData.ClassRow));
        schema[nameof(SyntheticData.ClassRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(fitOn, schema));
        return keys.Transform(ml.Data.LoadFromEnumerable(rows, schema));
    }

    [Fact]
    [Trait("Reliability", "D-01")]
    public void AMissingLabelColumnIsNamedWithTheColumnsThatExist()
    {
        var ml = new MLContext(seed: 1);
        var error = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.LabelColumnName = "Class")).Fit(Data(ml)));
        Assert.Contains("label column 'Class'", error.Message);
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("'Features'", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-02")]
    public void AMissingLabelNamesTheColumnAndRowAndHowToSkipIt()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Blobs(ml, 30, Features, classes: 3, seed: 5);
        rows[7].Label = "never-seen-when-the-keys-were-fitted";
        var data = KeyedWith(ml, rows.Where((_, i) => i != 7), rows);
        var error = Assert.Throws<InvalidDataException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small()).Fit(data));
        Assert.Contains("Label column 'Label'", error.Message);
        Assert.Contains("missing value", error.Message);
        Assert.Contains("row 7", error.Message);
        Assert.Contains("SkipRowsWithNonFiniteValues", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-03")]
    public void ANonFiniteFeatureNamesTheColumnRowSlotAndHowToSkipIt()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, alter: rows => rows[11].Features[2] = float.NegativeInfinity);
        var error = Assert.Throws<InvalidDataException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small()).Fit(data));
        Assert.Contains("Features column 'Features'", error.Message);
        Assert.Contains("row 11, slot 2", error.Message);
        Assert.Contains("SkipRowsWithNonFiniteValues", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-04")]
    public void SkipRowsWithNonFiniteValuesTrainsOnTheRestAndLogsTheCount()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Blobs(ml, 90, Features, classes: 3, seed: 5);
        rows[3].Features[0] = float.NaN;
        rows[40].Features[3] = float.PositiveInfinity;
        rows[41].Label = "unmapped";
        var data = KeyedWith(ml, rows.Where((_, i) => i != 41), rows);
        using var log = new LogCapture(ml);

        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.SkipRowsWithNonFiniteValues = true)).Fit(data);

        var warning = Assert.Single(log.Warnings, w => w.StartsWith("Skipped", StringComparison.Ordinal));
        Assert.Contains("Skipped 3 of 90 rows of the training data (first at row 3)", warning);
        Assert.Contains("'Features'", warning);
        Assert.Contains("'Label'", warning);
        Assert.Contains(log.All, m => m.StartsWith("Training on 87 rows", StringComparison.Ordinal));
        Assert.All(model.History.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss)));
    }

    [Fact]
    [Trait("Reliability", "D-05")]
    public void SkippingAlsoAppliesToTheValidationSetAndIsLoggedSeparately()
    {
        var ml = new MLContext(seed: 1);
        var validation = Data(ml, rows: 30, alter: rows => rows[5].Features[1] = float.NaN);
        using var log = new LogCapture(ml);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o =>
        {
            o.SkipRowsWithNonFiniteValues = true;
            o.ValidationSet = validation;
        })).Fit(Data(ml));
        Assert.Contains(log.Warnings, w => w.Contains("Skipped 1 of 30 rows of the validation data (first at row 5)", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Warnings, w => w.Contains("of the training data", StringComparison.Ordinal));
        Assert.All(model.History.Epochs, e => Assert.True(double.IsFinite(e.ValidationLoss!.Value)));
    }

    [Fact]
    [Trait("Reliability", "D-06")]
    public void SkippingEveryRowIsAClearError()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, rows: 12, alter: rows => rows.ForEach(r => r.Features[0] = float.NaN));
        var error = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.SkipRowsWithNonFiniteValues = true)).Fit(data));
        Assert.Contains("no rows left", error.Message);
        Assert.Contains("all 12", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-07")]
    public void RowsOfASingleClassUnderAManyValuedKeyAreAClearError()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Blobs(ml, 30, Features, classes: 3, seed: 5);
        var data = KeyedWith(ml, rows, rows.Where(r => r.Label == "class1"));
        var error = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small()).Fit(data));
        Assert.Contains("Label column 'Label'", error.Message);
        Assert.Contains("'class1'", error.Message);
        Assert.Contains("at least 2 classes", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-08")]
    public void AValidationSplitWithoutAClassIsAWarningNamingTheClass()
    {
        var ml = new MLContext(seed: 1);
        // One row of class 'rare' among 60: a 10 % split holds it out, or leaves it all to training; both are warned about.
        var data = Data(ml, rows: 60, alter: rows => rows[17].Label = "rare");
        using var log = new LogCapture(ml);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.ValidationFraction = 0.1)).Fit(data);
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("'rare'", warning);
        Assert.Contains("label column 'Label'", warning);
    }

    [Fact]
    [Trait("Reliability", "D-09")]
    public void AValidationSetWithoutAClassOrWithAnUntrainedClassIsWarnedAbout()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Blobs(ml, 90, Features, classes: 3, seed: 5);
        var train = KeyedWith(ml, rows, rows.Where(r => r.Label != "class2"));
        var validation = KeyedWith(ml, rows, rows.Where(r => r.Label != "class0"));
        using var log = new LogCapture(ml);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.ValidationSet = validation)).Fit(train);
        Assert.Contains(log.Warnings, w => w.Contains("The ValidationSet has no rows of class(es) 'class0'", StringComparison.Ordinal));
        Assert.Contains(log.Warnings, w => w.Contains("The training rows have no rows of class(es) 'class2'", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Reliability", "D-10")]
    public void ABalancedSplitGivesNoWarning()
    {
        var ml = new MLContext(seed: 1);
        using var log = new LogCapture(ml);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.ValidationFraction = 0.3)).Fit(Data(ml));
        Assert.Empty(log.Warnings);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait("Reliability", "D-11")]
    public void ABatchLargerThanTheDataTrainsInOneStepPerEpoch(bool batchNormalization)
    {
        var ml = new MLContext(seed: 1);
        var steps = new StepCounter();
        var options = Small(o =>
        {
            o.BatchSize = 64;
            o.Epochs = 3;
            if (batchNormalization)
            {
                o.BatchNormalization = BatchNormalizationPlacement.BeforeActivation;
                o.InputBatchNormalization = true;
            }
        });
        options.AdditionalCallbacks.Add(steps);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(Data(ml, rows: 21));
        Assert.Equal(3, model.History.Epochs.Count);
        Assert.Equal(3, steps.Steps);
        Assert.All(model.Transform(Data(ml, rows: 21)).GetColumn<float[]>("Score"), s => Assert.All(s, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    [Trait("Reliability", "D-12")]
    public void BatchNormalizationOnASingleTrainingRowIsAClearError()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Blobs(ml, 30, Features, classes: 3, seed: 5);
        var data = KeyedWith(ml, rows, rows.Take(2));
        var error = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o =>
        {
            o.BatchNormalization = BatchNormalizationPlacement.AfterActivation;
            o.ValidationFraction = 0.5;
        })).Fit(data));
        Assert.Contains("at least 2 training rows", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-13")]
    public void AValidationSetOfAnotherWidthOrWithoutTheLabelIsNamed()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Blobs(ml, 30, Features + 1, classes: 3, seed: 5);
        var wide = SyntheticData.ToKeyed(ml, rows, Features + 1);
        var error = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.ValidationSet = wide)).Fit(Data(ml)));
        Assert.Contains("ValidationSet's 'Features' vectors have 5 values", error.Message);

        var unlabeled = ml.Transforms.DropColumns("Label").Fit(Data(ml)).Transform(Data(ml));
        error = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.ValidationSet = unlabeled)).Fit(Data(ml)));
        Assert.Contains("label column 'Label' was not found in the validation data", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-14")]
    public void RegressionRowsWithAMissingOrInfiniteLabelAreSkippedAndCounted()
    {
        var ml = new MLContext(seed: 1);
        var (_, rows) = SyntheticData.Friedman1(ml, 80, seed: 4);
        rows[2].Label = float.NaN;
        rows[30].Label = float.NegativeInfinity;
        var data = SyntheticData.Load(ml, rows, 10);
        using var log = new LogCapture(ml);

        using var model = ml.Regression.Trainers.DeepNeuralNetwork(Small(o => o.SkipRowsWithNonFiniteValues = true)).Fit(data);

        var warning = Assert.Single(log.Warnings, w => w.StartsWith("Skipped", StringComparison.Ordinal));
        Assert.Contains("Skipped 2 of 80 rows of the training data (first at row 2)", warning);
        Assert.Contains(log.All, m => m.StartsWith("Training on 78 rows", StringComparison.Ordinal));
        Assert.All(model.History.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss)));

        // Without the option the same data names the column, the row and both ways out.
        var error = Assert.Throws<InvalidDataException>(() => ml.Regression.Trainers.DeepNeuralNetwork(Small()).Fit(data));
        Assert.Contains("Label column 'Label'", error.Message);
        Assert.Contains("at row 2 ", error.Message);
        Assert.Contains("SkipRowsWithNonFiniteValues", error.Message);
    }

    [Fact]
    [Trait("Reliability", "D-15")]
    public void ABinaryValidationSplitWithoutTheRareClassIsWarnedAbout()
    {
        var ml = new MLContext(seed: 1);
        // One positive among 40 rows: the stratified split validates every class of at least 2 rows, but a class of
        // one row stays in training (its 0.1 share loses the 4th validation row to the negatives' 0.9 remainder).
        var rows = Enumerable.Range(0, 40).Select(i => new SyntheticData.BinaryRow { Features = new[] { i / 40f, 1f - i / 40f }, Label = i is 5 }).ToList();
        var data = SyntheticData.Load(ml, rows, 2);
        using var log = new LogCapture(ml);

        using var model = ml.BinaryClassification.Trainers.DeepNeuralNetwork(Small(o => o.ValidationFraction = 0.1)).Fit(data);

        var warning = Assert.Single(log.Warnings);
        Assert.Contains("class(es) true of label column 'Label'", warning);
    }

    private sealed class StepCounter : MLNetDeep.Trainers.Training.Callbacks.TrainingCallback
    {
        public int Steps { get; private set; }

        public override void OnBatchEnd(MLNetDeep.Trainers.Training.Callbacks.TrainingState state) => Steps++;
    }
}
