using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>Input the network cannot train on gets an error that names the column and says what was expected.</summary>
public sealed class InputValidationTests
{
    private sealed class StringLabelRow
    {
        [VectorType(3)] public float[] Features { get; set; } = Array.Empty<float>();
        public string Label { get; set; } = "";
    }

    private sealed class VariableRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public string Label { get; set; } = "";
    }

    private sealed class DoubleRow
    {
        [VectorType(3)] public double[] Features { get; set; } = Array.Empty<double>();
        public string Label { get; set; } = "";
    }

    private static readonly MLContext Ml = new(seed: 1);

    private static MulticlassDeepNeuralNetworkTrainer Trainer(string features = "Features") =>
        Ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            FeatureColumnName = features, HiddenLayers = new[] { 4 }, Epochs = 1,
        });

    private static IDataView Keyed<T>(IEnumerable<T> rows) where T : class
    {
        var raw = Ml.Data.LoadFromEnumerable(rows);
        return Ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
    }

    private static StringLabelRow[] Rows(params float[][] features) =>
        features.Select((f, i) => new StringLabelRow { Features = f, Label = i % 2 == 0 ? "a" : "b" }).ToArray();

    [Fact]
    public void LabelThatIsNotAKey()
    {
        var data = Ml.Data.LoadFromEnumerable(Rows(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 }));
        var error = Assert.Throws<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("key", error.Message);
        Assert.Contains("MapValueToKey", error.Message);
    }

    [Fact]
    public void VariableSizeFeatures()
    {
        var data = Keyed(new[] { new VariableRow { Features = new float[] { 1, 2 }, Label = "a" }, new VariableRow { Features = new float[] { 3 }, Label = "b" } });
        var error = Assert.Throws<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("'Features'", error.Message);
        Assert.Contains("variable-size", error.Message);
    }

    [Fact]
    public void FeaturesThatAreNotFloat()
    {
        var data = Keyed(new[] { new DoubleRow { Features = new double[] { 1, 2, 3 }, Label = "a" }, new DoubleRow { Features = new double[] { 3, 4, 5 }, Label = "b" } });
        var error = Assert.Throws<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("'Features'", error.Message);
        Assert.Contains("Single", error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteFeatures(float bad)
    {
        var data = Keyed(Rows(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 }, new float[] { 7, bad, 9 }));
        var error = Assert.Throws<InvalidDataException>(() => Trainer().Fit(data));
        Assert.Contains("'Features'", error.Message);
        Assert.Contains("row 2, slot 1", error.Message);
    }

    [Fact]
    public void EmptyData()
    {
        // Keys fitted on real rows, then every row filtered out: what an over-eager filter leaves behind.
        var data = Ml.Data.SkipRows(Keyed(Rows(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 })), 10);
        var error = Assert.ThrowsAny<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("no rows", error.Message);
        Assert.Contains("training", error.Message);
    }

    [Fact]
    public void FewerThanTwoClasses()
    {
        var rows = new[] { new StringLabelRow { Features = new float[] { 1, 2, 3 }, Label = "only" }, new StringLabelRow { Features = new float[] { 2, 3, 4 }, Label = "only" } };
        var error = Assert.Throws<ArgumentException>(() => Trainer().Fit(Keyed(rows)));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("at least 2 classes", error.Message);
    }

    [Fact]
    public void MissingFeatureColumnNamesWhatExists()
    {
        var data = Keyed(Rows(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 }));
        var error = Assert.Throws<ArgumentException>(() => Trainer("Pixels").Fit(data));
        Assert.Contains("'Pixels'", error.Message);
        Assert.Contains("'Features'", error.Message);
    }

    [Fact]
    public void GetOutputSchemaRejectsANonKeyLabel()
    {
        var data = Ml.Data.LoadFromEnumerable(Rows(new float[] { 1, 2, 3 }));
        var error = Assert.Throws<ArgumentException>(() => Trainer().GetOutputSchema(OutputSchemas.ShapeOf(data.Schema)));
        Assert.Contains("'Label'", error.Message);
    }
}
