using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Binary classification through the whole chain: the columns ML.NET's calibrated binary trainers write, their
/// relations to the network's logit, evaluation, and a saved zip that scores identically in a separate process
/// loading no TorchSharp, libtorch or MLNetDeep code.
/// </summary>
public sealed class BinaryEndToEndTests : IClassFixture<BinaryEndToEndTests.TrainedModel>
{
    /// <summary>One trained model shared by the tests of this class.</summary>
    public sealed class TrainedModel : IDisposable
    {
        public TrainedModel()
        {
            Context = new MLContext(seed: 1);
            Context.Log += (_, e) => { lock (Log) Log.Add(e.Message); };
            (Train, TrainRows) = SyntheticData.Ring(Context, rows: 1_200, features: 6, seed: 5);
            (Test, TestRows) = SyntheticData.Ring(Context, rows: 400, features: 6, seed: 6);
            Model = Context.BinaryClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 32, 16 },
                Epochs = 25,
                LearningRate = 0.01,
                ValidationFraction = 0.2,
                Seed = 1,
                NumberOfThreads = 1,
            }).Fit(Train);
        }

        public MLContext Context { get; }
        public List<string> Log { get; } = new();
        public IDataView Train { get; }
        public IDataView Test { get; }
        public List<SyntheticData.BinaryRow> TrainRows { get; }
        public List<SyntheticData.BinaryRow> TestRows { get; }
        public BinaryDeepNeuralNetworkTransformer Model { get; }

        public void Dispose() => Model.Dispose();
    }

    private readonly TrainedModel _fixture;

    public BinaryEndToEndTests(TrainedModel fixture) => _fixture = fixture;

    [Fact]
    public void EvaluateGivesAucF1AndLogLossAndTheNetworkLearnedTheRing()
    {
        var metrics = _fixture.Context.BinaryClassification.Evaluate(_fixture.Model.Transform(_fixture.Test));
        // No linear score separates a disc from its surroundings (its AUC stays near 0.5); 5% of labels are
        // flipped at random, so about 0.95 accuracy is the ceiling.
        Assert.True(metrics.AreaUnderRocCurve > 0.88, $"AUC {metrics.AreaUnderRocCurve}");
        Assert.True(metrics.Accuracy > 0.85, $"accuracy {metrics.Accuracy}");
        Assert.True(metrics.F1Score > 0.75, $"F1 {metrics.F1Score}");
        Assert.True(metrics.LogLoss < 0.6, $"log-loss {metrics.LogLoss}");
        Assert.True(metrics.LogLossReduction > 0.3, $"log-loss reduction over the class prior {metrics.LogLossReduction}");
    }

    [Fact]
    public void ProbabilityIsSigmoidOfScoreAndPredictedLabelIsProbabilityAboveHalf()
    {
        var scored = _fixture.Model.Transform(_fixture.Test);
        var scores = scored.GetColumn<float>("Score").ToArray();
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        var labels = scored.GetColumn<bool>("PredictedLabel").ToArray();

        double maxDiff = scores.Zip(probabilities, (s, p) => Math.Abs(p - 1 / (1 + Math.Exp(-(double)s)))).Max();
        Assert.True(maxDiff <= 1e-6, $"max |Probability − sigmoid(Score)| {maxDiff}");
        Assert.Equal(probabilities.Select(p => p > 0.5f), labels);
        Assert.Contains(true, labels);
        Assert.Contains(false, labels);
        Assert.Contains(scores, s => s < -2);
        Assert.Contains(scores, s => s > 2);
    }

    [Fact]
    public void ScoreIsTheNetworkLogit()
    {
        var scores = _fixture.Model.Transform(_fixture.Test).GetColumn<float>("Score").ToArray();
        var logits = NetworkParity.SingleOutputs(_fixture.Model, _fixture.TestRows.Select(r => r.Features).ToList());
        double maxDiff = scores.Zip(logits, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDiff <= 1e-5, $"max |Score − network logit| {maxDiff}");
    }

    [Fact]
    public void SavedZipScoresIdenticallyInAProcessWithoutTorchSharp()
    {
        var ml = _fixture.Context;
        string zip = Path.Combine(Directory.CreateTempSubdirectory("mlnetdeep-zip-").FullName, "binary.zip");
        ml.Model.Save(_fixture.Model, _fixture.Train.Schema, zip);

        var inProcess = _fixture.Model.Transform(_fixture.Test);
        var scores = inProcess.GetColumn<float>("Score").ToArray();
        var probabilities = inProcess.GetColumn<float>("Probability").ToArray();
        var labels = inProcess.GetColumn<bool>("PredictedLabel").ToArray();

        var result = ScoringProbeRunner.Score(zip, _fixture.TestRows.Select(r => r.Features).ToList());
        Assert.Equal(scores.Length, result.Rows.Count);
        double maxScoreDiff = 0, maxProbabilityDiff = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            maxScoreDiff = Math.Max(maxScoreDiff, Math.Abs(ScoringProbeRunner.Scores(result.Rows[i]).Single() - scores[i]));
            maxProbabilityDiff = Math.Max(maxProbabilityDiff, Math.Abs(float.Parse(ScoringProbeRunner.Field(result.Rows[i], "p"), System.Globalization.CultureInfo.InvariantCulture) - probabilities[i]));
            Assert.Equal(labels[i].ToString(), ScoringProbeRunner.Field(result.Rows[i], "label"));
        }
        Assert.True(maxScoreDiff <= 1e-5, $"child-process Score max abs diff {maxScoreDiff}");
        Assert.True(maxProbabilityDiff <= 1e-5, $"child-process Probability max abs diff {maxProbabilityDiff}");
        ProbeAssertions.LoadedOnlyMlNetAndOnnxRuntime(result);
    }

    [Fact]
    public void OutputSchemaFollowsMlNetBinaryConventionsAndGetOutputSchemaPredictsIt()
    {
        var schema = _fixture.Model.GetOutputSchema(_fixture.Test.Schema);
        Assert.Equal(NumberDataViewType.Single, schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Single, schema["Probability"].Type);
        Assert.Equal(BooleanDataViewType.Instance, schema["PredictedLabel"].Type);

        var trainer = _fixture.Context.BinaryClassification.Trainers.DeepNeuralNetwork();
        var predicted = trainer.GetOutputSchema(OutputSchemas.ShapeOf(_fixture.Test.Schema));
        SchemaShapeAssertions.Equivalent(OutputSchemas.ShapeOf(schema), predicted);
    }

    [Fact]
    public void HistoryRecordsAccuracyAndValidationAuc()
    {
        var history = _fixture.Model.History;
        Assert.Equal(25, history.Epochs.Count);
        Assert.Equal("accuracy", history.MetricName);
        Assert.All(history.Epochs, e =>
        {
            Assert.InRange(e.TrainMetric, 0, 1);
            Assert.InRange(e.ValidationMetric!.Value, 0, 1);
            Assert.InRange(e.ValidationAuc!.Value, 0, 1);
        });
        Assert.True(history.Epochs[^1].ValidationAuc > history.Epochs[0].ValidationAuc, "validation AUC did not improve");
        Assert.StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,val_auc,lr,seconds", history.ToCsv());
        Assert.True(1 == _fixture.Model.Description.Layers.Single(l => l.Name == "output").OutputWidth, _fixture.Model.Description.ToString());
        lock (_fixture.Log)
            Assert.Contains(_fixture.Log, m => m.Contains("BinaryDeepNeuralNetwork") && m.Contains("Epoch 25/25") && m.Contains("val_auc"));
    }

    [Fact]
    public void PipelineConvertsANumericLabelWithTheShortOverload()
    {
        var ml = _fixture.Context;
        var rows = _fixture.TrainRows.Select(r => new NumericLabelRow { Features = r.Features, Label = r.Label ? 1f : 0f });
        var raw = SyntheticData.Load(ml, rows, 6);
        var pipeline = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean)
            .Append(ml.BinaryClassification.Trainers.DeepNeuralNetwork("Label", "Features", new[] { 16 }, epochs: 3));
        var shape = pipeline.GetOutputSchema(OutputSchemas.ShapeOf(raw.Schema));
        Assert.True(OutputSchemas.TryFind(shape, "Probability", out var probability));
        Assert.Equal(NumberDataViewType.Single, probability.ItemType);

        using var model = pipeline.Fit(raw).LastTransformer;
        Assert.Equal(3, model.History.Epochs.Count);
        Assert.Equal(6L * 16 + 16 + 16 + 1, model.Description.ParameterCount);
    }

    private sealed class NumericLabelRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public float Label { get; set; }
    }
}
