using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// The whole chain: an ML.NET pipeline trains the network, ML.NET evaluates it, and a saved zip
/// scores identically in a separate process that loads no TorchSharp, libtorch or MLNetDeep code.
/// </summary>
public sealed class MulticlassEndToEndTests : IClassFixture<MulticlassEndToEndTests.TrainedModel>
{
    /// <summary>One trained model shared by the tests of this class.</summary>
    public sealed class TrainedModel : IDisposable
    {
        public TrainedModel()
        {
            Context = new MLContext(seed: 1);
            Context.Log += (_, e) => { lock (Log) Log.Add(e.Message); };
            (Train, TrainRows) = SyntheticData.Blobs(Context, rows: 600, features: 12, classes: 4, seed: 3);
            (Test, TestRows) = SyntheticData.Blobs(Context, rows: 200, features: 12, classes: 4, seed: 3);
            Model = Context.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 32, 16 },
                BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
                InputBatchNormalization = true,
                DropoutRate = 0.1,
                Epochs = 6,
                ValidationFraction = 0.2,
                Seed = 1,
            }).Fit(Train);
        }

        public MLContext Context { get; }
        public List<string> Log { get; } = new();
        public IDataView Train { get; }
        public IDataView Test { get; }
        public List<SyntheticData.ClassRow> TrainRows { get; }
        public List<SyntheticData.ClassRow> TestRows { get; }
        public MulticlassDeepNeuralNetworkTransformer Model { get; }

        public void Dispose() => Model.Dispose();
    }

    private readonly TrainedModel _fixture;

    public MulticlassEndToEndTests(TrainedModel fixture) => _fixture = fixture;

    [Fact]
    public void EvaluateWorksAndTheModelLearnedTheBlobs()
    {
        var metrics = _fixture.Context.MulticlassClassification.Evaluate(_fixture.Model.Transform(_fixture.Test));
        Assert.True(metrics.MicroAccuracy > 0.95, $"accuracy {metrics.MicroAccuracy}");
        Assert.True(metrics.LogLoss < 0.5, $"log-loss {metrics.LogLoss}");
        Assert.Equal(4, metrics.ConfusionMatrix.NumberOfClasses);
    }

    [Fact]
    public void OutputColumnsFollowMlNetMulticlassConventions()
    {
        var schema = _fixture.Model.GetOutputSchema(_fixture.Test.Schema);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), schema["Score"].Type);
        var predicted = schema["PredictedLabel"];
        var key = Assert.IsType<KeyDataViewType>(predicted.Type);
        Assert.Equal(4ul, key.Count);
        VBuffer<ReadOnlyMemory<char>> names = default;
        predicted.GetKeyValues(ref names);
        Assert.Equal(new[] { "class0", "class1", "class2", "class3" }, names.DenseValues().Select(n => n.ToString()));

        var scores = _fixture.Model.Transform(_fixture.Test).GetColumn<float[]>("Score").ToArray();
        Assert.All(scores, s => Assert.Equal(1.0, s.Sum(), 5));
    }

    [Fact]
    public void PipelineWithMapKeyToValueGivesClassNames()
    {
        var ml = _fixture.Context;
        var raw = ml.Data.LoadFromEnumerable(_fixture.TrainRows, Schema(12));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.DeepNeuralNetwork("Label", "Features", new[] { 16 }, epochs: 10))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel"));
        var shape = pipeline.GetOutputSchema(OutputSchemas.ShapeOf(raw.Schema));
        Assert.True(OutputSchemas.TryFind(shape, "PredictedName", out var predictedName));
        Assert.Equal(TextDataViewType.Instance, predictedName.ItemType);

        var model = pipeline.Fit(raw);
        var testRaw = ml.Data.LoadFromEnumerable(_fixture.TestRows, Schema(12));
        var names = model.Transform(testRaw).GetColumn<string>("PredictedName").ToArray();
        double accuracy = names.Zip(_fixture.TestRows).Count(p => p.First == p.Second.Label) / (double)names.Length;
        Assert.True(accuracy > 0.9, $"accuracy by name {accuracy}");
    }

    [Fact]
    public void InMemoryScoresMatchTheTorchSharpNetwork()
    {
        double diff = NetworkParity.MulticlassMaxDiff(_fixture.Model, _fixture.Test);
        Assert.True(diff <= 1e-5, $"max abs diff {diff}");
    }

    [Fact]
    public void SavedZipScoresIdenticallyInAProcessWithoutTorchSharp()
    {
        var ml = _fixture.Context;
        string zip = Path.Combine(Directory.CreateTempSubdirectory("mlnetdeep-zip-").FullName, "model.zip");
        ml.Model.Save(_fixture.Model, _fixture.Train.Schema, zip);

        var inProcess = _fixture.Model.Transform(_fixture.Test);
        var expectedScores = inProcess.GetColumn<float[]>("Score").ToArray();
        var expectedLabels = inProcess.GetColumn<uint>("PredictedLabel").ToArray();

        var result = ScoringProbeRunner.Score(zip, _fixture.TestRows.Select(r => r.Features).ToList());
        Assert.Equal(expectedScores.Length, result.Rows.Count);
        double maxDiff = 0;
        for (int i = 0; i < expectedScores.Length; i++)
        {
            var scores = ScoringProbeRunner.Scores(result.Rows[i]);
            maxDiff = Math.Max(maxDiff, scores.Zip(expectedScores[i], (a, b) => Math.Abs(a - b)).Max());
            Assert.Equal(expectedLabels[i].ToString(), ScoringProbeRunner.Field(result.Rows[i], "label"));
        }
        Assert.True(maxDiff <= 1e-5, $"child-process max abs diff {maxDiff}");
        ProbeAssertions.LoadedOnlyMlNetAndOnnxRuntime(result);
    }

    [Fact]
    public void ExportOnnxWritesTheServedGraph()
    {
        using var stream = new MemoryStream();
        _fixture.Model.ExportOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        var row = _fixture.TestRows[0].Features;
        var input = new DenseTensor<float>(row, new[] { 1, row.Length });
        using var outputs = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", input) });
        var fromOnnx = outputs.Single().AsEnumerable<float>().ToArray();
        var fromMlNet = _fixture.Model.Transform(_fixture.Test).GetColumn<float[]>("Score").First();
        Assert.Equal(fromMlNet, fromOnnx);
    }

    [Fact]
    public void HistoryDescriptionAndLogAreFilledIn()
    {
        var history = _fixture.Model.History;
        Assert.Equal(6, history.Epochs.Count);
        Assert.Equal("accuracy", history.MetricName);
        Assert.All(history.Epochs, e =>
        {
            Assert.NotNull(e.ValidationLoss);
            Assert.InRange(e.ValidationMetric!.Value, 0, 1);
            Assert.Equal(0.001, e.LearningRate, 9);
            Assert.True(e.Seconds > 0);
        });
        Assert.StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", history.ToCsv());

        // 12 → BN(12) → 32 (no bias: BN follows) → BN(32) → 16 → BN(16) → 4
        long expected = 2 * 12 + 12 * 32 + 2 * 32 + 32 * 16 + 2 * 16 + 16 * 4 + 4;
        Assert.Equal(expected, _fixture.Model.Description.ParameterCount);
        Assert.Contains("hidden1.linear", _fixture.Model.Description.ToString());

        lock (_fixture.Log)
        {
            Assert.Contains(_fixture.Log, m => m.Contains("MulticlassDeepNeuralNetwork") && m.Contains("Epoch 6/6"));
            Assert.Contains(_fixture.Log, m => m.Contains("seed 1"));
        }
    }

    private static SchemaDefinition Schema(int features)
    {
        var schema = SchemaDefinition.Create(typeof(SyntheticData.ClassRow));
        schema[nameof(SyntheticData.ClassRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return schema;
    }
}
