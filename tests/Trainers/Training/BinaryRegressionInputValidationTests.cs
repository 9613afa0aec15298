using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>Labels the binary and regression networks cannot train on get an error that names the column and says what was expected.</summary>
public sealed class BinaryRegressionInputValidationTests
{
    private sealed class FloatLabelRow
    {
        [VectorType(2)] public float[] Features { get; set; } = Array.Empty<float>();
        public float Label { get; set; }
    }

    private sealed class BoolLabelRow
    {
        [VectorType(2)] public float[] Features { get; set; } = Array.Empty<float>();
        public bool Label { get; set; }
    }

    private sealed class DoubleLabelRow
    {
        [VectorType(2)] public float[] Features { get; set; } = Array.Empty<float>();
        public double Label { get; set; }
    }

    private static readonly MLContext Ml = new(seed: 1);

    private static DeepNeuralNetworkOptions Options(string label = "Label") => new()
    {
        LabelColumnName = label, HiddenLayers = new[] { 4 }, Epochs = 1, Seed = 1, NumberOfThreads = 1,
    };

    private static IDataView FloatLabels(params float[] labels) =>
        Ml.Data.LoadFromEnumerable(labels.Select((l, i) => new FloatLabelRow { Features = new[] { i, 1f }, Label = l }).ToList());

    private static IDataView BoolLabels(params bool[] labels) =>
        Ml.Data.LoadFromEnumerable(labels.Select((l, i) => new BoolLabelRow { Features = new[] { i, 1f }, Label = l }).ToList());

    [Fact]
    public void BinaryLabelThatIsNotBooleanNamesTheColumnAndTheConversion()
    {
        var data = FloatLabels(0, 1, 1, 0);
        var error = Assert.Throws<ArgumentException>(() => Ml.BinaryClassification.Trainers.DeepNeuralNetwork(Options()).Fit(data));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("Boolean", error.Message);
        Assert.Contains("Single", error.Message);
        Assert.Contains("ConvertType(\"Label\", outputKind: DataKind.Boolean)", error.Message);

        // The advice works: 0/1 floats convert to false/true.
        var converted = Ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean).Fit(data).Transform(data);
        using var model = Ml.BinaryClassification.Trainers.DeepNeuralNetwork(Options()).Fit(converted);
        Assert.Single(model.History.Epochs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BinaryLabelWithOneClassOnly(bool value)
    {
        var data = BoolLabels(value, value, value);
        var error = Assert.Throws<ArgumentException>(() => Ml.BinaryClassification.Trainers.DeepNeuralNetwork(Options()).Fit(data));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains($"has the single class {(value ? "true" : "false")} in all 3 training rows", error.Message);
        Assert.Contains("at least 2 classes", error.Message);
    }

    [Fact]
    public void RegressionLabelThatIsNotSingleNamesTheColumnAndTheConversion()
    {
        var data = Ml.Data.LoadFromEnumerable(new[] { new DoubleLabelRow { Features = new[] { 1f, 2f }, Label = 1.5 } });
        var error = Assert.Throws<ArgumentException>(() => Ml.Regression.Trainers.DeepNeuralNetwork(Options()).Fit(data));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("Double", error.Message);
        Assert.Contains("Single (float)", error.Message);
        Assert.Contains("ConvertType(\"Label\", outputKind: DataKind.Single)", error.Message);

        var boolError = Assert.Throws<ArgumentException>(() => Ml.Regression.Trainers.DeepNeuralNetwork(Options()).Fit(BoolLabels(true, false)));
        Assert.Contains("'Label'", boolError.Message);
        Assert.Contains("Boolean", boolError.Message);
    }

    [Fact]
    public void RegressionLabelWithNaNNamesTheColumnAndTheRow()
    {
        var data = FloatLabels(1.5f, float.NaN, 2.5f);
        var error = Assert.Throws<InvalidDataException>(() => Ml.Regression.Trainers.DeepNeuralNetwork(Options()).Fit(data));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.Contains("row 1", error.Message);
        Assert.Contains("FilterRowsByMissingValues", error.Message);
    }

    [Fact]
    public void RegressionLabelWithInfinityIsAlsoRejected()
    {
        var error = Assert.Throws<InvalidDataException>(() => Ml.Regression.Trainers.DeepNeuralNetwork(Options()).Fit(FloatLabels(1, float.PositiveInfinity)));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("non-finite", error.Message);
    }

    [Fact]
    public void AConstantRegressionLabelIsOnlyCentred()
    {
        using var model = Ml.Regression.Trainers.DeepNeuralNetwork(Options()).Fit(FloatLabels(3.5f, 3.5f, 3.5f));
        Assert.Equal(3.5f, model.LabelMean);
        Assert.Equal(1f, model.LabelScale);
    }

    [Fact]
    public void GetOutputSchemaRejectsWrongLabelTypesNamingTheColumn()
    {
        var floatShape = OutputSchemas.ShapeOf(FloatLabels(1, 0).Schema);
        var binary = Assert.Throws<ArgumentException>(() => Ml.BinaryClassification.Trainers.DeepNeuralNetwork(Options()).GetOutputSchema(floatShape));
        Assert.Contains("'Label'", binary.Message);
        Assert.Contains("Boolean", binary.Message);

        var boolShape = OutputSchemas.ShapeOf(BoolLabels(true, false).Schema);
        var regression = Assert.Throws<ArgumentException>(() => Ml.Regression.Trainers.DeepNeuralNetwork(Options()).GetOutputSchema(boolShape));
        Assert.Contains("'Label'", regression.Message);
        Assert.Contains("Single", regression.Message);

        var missing = Assert.Throws<ArgumentException>(() => Ml.Regression.Trainers.DeepNeuralNetwork(Options("Target")).GetOutputSchema(floatShape));
        Assert.Contains("'Target'", missing.Message);
    }

    [Theory]
    [InlineData("PositiveClassWeight", 0.0)]
    [InlineData("PositiveClassWeight", double.NaN)]
    [InlineData("HuberDelta", -1.0)]
    [InlineData("HuberDelta", double.PositiveInfinity)]
    [InlineData("RegressionLoss", 42.0)]
    public void BadTaskOptionsFailAtCreationNamingTheOption(string option, double value)
    {
        var options = new DeepNeuralNetworkOptions();
        switch (option)
        {
            case "PositiveClassWeight": options.PositiveClassWeight = value; break;
            case "HuberDelta": options.HuberDelta = value; break;
            case "RegressionLoss": options.RegressionLoss = (RegressionLoss)(int)value; break;
        }
        var error = Assert.ThrowsAny<ArgumentException>(() => Ml.Regression.Trainers.DeepNeuralNetwork(options));
        Assert.Contains(option, error.Message);
        Assert.Contains("expected", error.Message);
        Assert.ThrowsAny<ArgumentException>(() => Ml.BinaryClassification.Trainers.DeepNeuralNetwork(options));
    }
}
