using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Regression through the whole chain: the standardized label undone inside the exported graph, evaluation,
/// the history's RMSE in label units, and a saved zip that scores identically in a separate process loading
/// no TorchSharp, libtorch or MLNetDeep code.
/// </summary>
public sealed class RegressionEndToEndTests : IClassFixture<RegressionEndToEndTests.TrainedModel>
{
    /// <summary>One trained model shared by the tests of this class.</summary>
    public sealed class TrainedModel : IDisposable
    {
        public TrainedModel()
        {
            Context = new MLContext(seed: 1);
            Context.Log += (_, e) => { lock (Log) Log.Add(e.Message); };
            (Train, TrainRows) = SyntheticData.Friedman1(Context, rows: 1_000, seed: 21);
            (Validation, _) = SyntheticData.Friedman1(Context, rows: 300, seed: 22);
            (Test, TestRows) = SyntheticData.Friedman1(Context, rows: 300, seed: 23);
            Model = Context.Regression.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 32, 32 },
                Activation = ActivationFunction.Swish,
                Epochs = 30,
                LearningRate = 0.003,
                ValidationSet = Validation,
                Seed = 1,
                NumberOfThreads = 1,
            }).Fit(Train);
        }

        public MLContext Context { get; }
        public List<string> Log { get; } = new();
        public IDataView Train { get; }
        public IDataView Validation { get; }
        public IDataView Test { get; }
        public List<SyntheticData.RegressionRow> TrainRows { get; }
        public List<SyntheticData.RegressionRow> TestRows { get; }
        public RegressionDeepNeuralNetworkTransformer Model { get; }

        public void Dispose() => Model.Dispose();
    }

    private readonly TrainedModel _fixture;

    public RegressionEndToEndTests(TrainedModel fixture) => _fixture = fixture;

    [Fact]
    public void EvaluateGivesRmseMaeAndRSquared()
    {
        var metrics = _fixture.Context.Regression.Evaluate(_fixture.Model.Transform(_fixture.Test));
        Assert.True(metrics.RSquared > 0.85, $"R² {metrics.RSquared}");
        Assert.InRange(metrics.RootMeanSquaredError, 1.0 * 0.8, 2.0);
        Assert.True(metrics.MeanAbsoluteError < metrics.RootMeanSquaredError, $"MAE {metrics.MeanAbsoluteError} ≥ RMSE {metrics.RootMeanSquaredError}");
    }

    [Fact]
    public void LabelStatisticsAreTheTrainingRowsMeanAndStandardDeviation()
    {
        var labels = _fixture.TrainRows.Select(r => (double)r.Label).ToList();
        double mean = labels.Average();
        double deviation = Math.Sqrt(labels.Sum(l => (l - mean) * (l - mean)) / labels.Count);
        Assert.Equal(mean, _fixture.Model.LabelMean, 4);
        Assert.Equal(deviation, _fixture.Model.LabelScale, 4);
        // Friedman #1 labels have mean about 14.4 and deviation about 5: standardizing really moves them.
        Assert.InRange(_fixture.Model.LabelMean, 12, 17);
        Assert.InRange(_fixture.Model.LabelScale, 4, 6);
    }

    [Fact]
    public void ScoreIsTheNetworkOutputInLabelUnits()
    {
        var scores = _fixture.Model.Transform(_fixture.Test).GetColumn<float>("Score").ToArray();
        var outputs = NetworkParity.SingleOutputs(_fixture.Model, _fixture.TestRows.Select(r => r.Features).ToList());
        double maxDiff = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double expected = (double)outputs[i] * _fixture.Model.LabelScale + _fixture.Model.LabelMean;
            maxDiff = Math.Max(maxDiff, Math.Abs(scores[i] - expected) / Math.Max(1, Math.Abs(expected)));
        }
        Assert.True(maxDiff <= 1e-5, $"max relative |Score − (output × σ + μ)| {maxDiff}");
        // The raw outputs are standardized, so they are nowhere near the label's scale.
        Assert.True(Math.Abs(outputs.Average()) < 1, $"mean raw output {outputs.Average()}");
    }

    [Fact]
    public void HistoryRmseIsInLabelUnitsAndMatchesMlNet()
    {
        var history = _fixture.Model.History;
        Assert.Equal("rmse", history.MetricName);
        Assert.Equal(30, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.Null(e.ValidationAuc));
        var last = history.Epochs[^1];
        var metrics = _fixture.Context.Regression.Evaluate(_fixture.Model.Transform(_fixture.Validation));
        Assert.Equal(metrics.RootMeanSquaredError, last.ValidationMetric!.Value, 4);
        // The loss is MSE on the standardized label: the label-unit RMSE divided by σ, squared.
        double standardizedMse = Math.Pow(last.ValidationMetric.Value / _fixture.Model.LabelScale, 2);
        Assert.Equal(standardizedMse, last.ValidationLoss!.Value, 4);
        Assert.StartsWith("epoch,loss,rmse,val_loss,val_rmse,lr,seconds", history.ToCsv());
        lock (_fixture.Log)
            Assert.Contains(_fixture.Log, m => m.Contains("RegressionDeepNeuralNetwork") && m.Contains("Epoch 30/30") && m.Contains("val_rmse"));
    }

    [Fact]
    public void SavedZipScoresIdenticallyInAProcessWithoutTorchSharp()
    {
        var ml = _fixture.Context;
        string zip = Path.Combine(Directory.CreateTempSubdirectory("mlnetdeep-zip-").FullName, "regression.zip");
        ml.Model.Save(_fixture.Model, _fixture.Train.Schema, zip);
        var scores = _fixture.Model.Transform(_fixture.Test).GetColumn<float>("Score").ToArray();

        var result = ScoringProbeRunner.Score(zip, _fixture.TestRows.Select(r => r.Features).ToList());
        Assert.Equal(scores.Length, result.Rows.Count);
        double maxDiff = scores.Select((s, i) => Math.Abs(ScoringProbeRunner.Scores(result.Rows[i]).Single() - s)).Max();
        Assert.True(maxDiff <= 1e-5, $"child-process Score max abs diff {maxDiff}");
        Assert.DoesNotContain(result.Rows, r => r.Contains("label=") || r.Contains("p="));
        ProbeAssertions.LoadedOnlyMlNetAndOnnxRuntime(result);
    }

    [Fact]
    public void OutputSchemaFollowsMlNetRegressionConventionsAndGetOutputSchemaPredictsIt()
    {
        var schema = _fixture.Model.GetOutputSchema(_fixture.Test.Schema);
        Assert.Equal(NumberDataViewType.Single, schema["Score"].Type);
        Assert.Null(schema.GetColumnOrNull("PredictedLabel"));

        var predicted = _fixture.Context.Regression.Trainers.DeepNeuralNetwork().GetOutputSchema(OutputSchemas.ShapeOf(_fixture.Test.Schema));
        SchemaShapeAssertions.Equivalent(OutputSchemas.ShapeOf(schema), predicted);
    }

    [Fact]
    public void WithoutStandardizationTheScoreIsTheRawOutput()
    {
        var ml = _fixture.Context;
        using var model = ml.Regression.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 16 }, Epochs = 3, StandardizeLabel = false, Seed = 2, NumberOfThreads = 1,
        }).Fit(_fixture.Train);
        Assert.Equal(0f, model.LabelMean);
        Assert.Equal(1f, model.LabelScale);
        var scores = model.Transform(_fixture.Test).GetColumn<float>("Score").ToArray();
        var outputs = NetworkParity.SingleOutputs(model, _fixture.TestRows.Select(r => r.Features).ToList());
        double maxDiff = scores.Zip(outputs, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDiff <= 1e-5, $"max |Score − output| {maxDiff}");
        // Trained on raw labels, the loss is in squared label units: the RMSE squared.
        var last = model.History.Epochs[^1];
        Assert.True(last.TrainLoss > 1, $"raw-unit training loss {last.TrainLoss.ToString(CultureInfo.InvariantCulture)}");
    }
}
