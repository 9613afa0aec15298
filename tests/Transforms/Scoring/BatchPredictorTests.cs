using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using MLNetDeep.Trainers;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Transforms.Tests.Scoring;

/// <summary>
/// BatchPredictor against the zip's own chain: the same Score, Probability and PredictedLabel for every task, from a
/// zip file, a stream, a loaded chain and the fitted model, in any batch size, and clear errors for bad input.
/// </summary>
public sealed class BatchPredictorTests : IClassFixture<BatchScoringModels>
{
    private const float Tolerance = 1e-5f;
    private readonly BatchScoringModels _models;

    public BatchPredictorTests(BatchScoringModels models) => _models = models;

    private MLContext Ml => _models.Context;

    private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"value {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void MulticlassMatchesTheLoadedZip()
    {
        var model = _models.Multiclass;
        var scored = _models.Load(model).Transform(model.Data);
        using var predictor = BatchPredictor.Load<MulticlassBatchPredictor>(Ml, model.ZipPath);
        var predictions = predictor.Predict(model.Rows);

        Assert.Equal(ScoringTask.MulticlassClassification, predictor.Task);
        Assert.Equal(("Features", 6, 3, "CPU"), (predictor.FeatureColumnName, predictor.FeatureCount, predictor.ClassCount, predictor.ExecutionProvider));
        AssertClose(scored.GetColumn<float[]>("Score").SelectMany(s => s).ToArray(), predictions.Scores);
        Assert.Equal(scored.GetColumn<uint>("PredictedLabel"), predictions.PredictedLabels);
        Assert.Equal(150, predictions.RowCount);
        Assert.Equal(predictions.Scores.AsSpan(3, 3).ToArray(), predictions.GetScores(1).ToArray());
        // Three classes are predicted, so the argmax and the key offset are exercised, not a constant.
        Assert.Equal(3, predictions.PredictedLabels.Distinct().Count());
    }

    [Fact]
    public void BinaryMatchesTheLoadedZip()
    {
        var model = _models.Binary;
        var scored = _models.Load(model).Transform(model.Data);
        using var predictor = BatchPredictor.Load<BinaryBatchPredictor>(Ml, model.ZipPath);
        var predictions = predictor.Predict(model.Rows);

        AssertClose(scored.GetColumn<float>("Score").ToArray(), predictions.Scores);
        AssertClose(scored.GetColumn<float>("Probability").ToArray(), predictions.Probabilities);
        Assert.Equal(scored.GetColumn<bool>("PredictedLabel"), predictions.PredictedLabels);
        Assert.Equal(2, predictions.PredictedLabels.Distinct().Count());
    }

    [Fact]
    public void RegressionMatchesTheLoadedZip()
    {
        var model = _models.Regression;
        var scored = _models.Load(model).Transform(model.Data);
        using var predictor = BatchPredictor.Load<RegressionBatchPredictor>(Ml, model.ZipPath);
        var predictions = predictor.Predict(model.Rows);

        AssertClose(scored.GetColumn<float>("Score").ToArray(), predictions.Scores);
        Assert.True(predictions.Scores.Distinct().Count() > 100, "the regression scores should vary from row to row");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1024)]
    public void EveryBatchSizeGivesTheSameResults(int batchSize)
    {
        var model = _models.Multiclass;
        using var reference = BatchPredictor.Load<MulticlassBatchPredictor>(Ml, model.ZipPath, new BatchPredictorOptions { BatchSize = 150 });
        using var predictor = BatchPredictor.Load<MulticlassBatchPredictor>(Ml, model.ZipPath, new BatchPredictorOptions { BatchSize = batchSize, IntraOpThreads = 1 });
        var expected = reference.Predict(model.Rows);
        var actual = predictor.Predict(model.Rows);
        AssertClose(expected.Scores, actual.Scores);
        Assert.Equal(expected.PredictedLabels, actual.PredictedLabels);
        // The IDataView path fills its batches from a cursor; its last batch is partial for 7.
        var fromData = predictor.Predict(model.Data);
        Assert.Equal(actual.Scores, fromData.Scores);
        Assert.Equal(actual.PredictedLabels, fromData.PredictedLabels);
    }

    [Fact]
    public void SpanRowsArraysAndDataViewAgree()
    {
        var model = _models.Regression;
        using var predictor = BatchPredictor.Load<RegressionBatchPredictor>(Ml, model.ZipPath, new BatchPredictorOptions { BatchSize = 64 });
        var rows = model.Rows;
        var fromArrays = predictor.Predict(rows).Scores;
        Assert.Equal(fromArrays, predictor.Predict(rows.SelectMany(r => r).ToArray()).Scores);
        Assert.Equal(fromArrays, predictor.Predict(model.Data).Scores);
        Assert.Empty(predictor.Predict(ReadOnlySpan<float>.Empty).Scores);
    }

    [Fact]
    public void TheFittedModelAStreamAndALoadedChainGiveWhatTheZipFileGives()
    {
        var model = _models.Binary;
        using var fromFile = BatchPredictor.Load(Ml, model.ZipPath);
        Assert.IsType<BinaryBatchPredictor>(fromFile);
        var expected = ((BinaryBatchPredictor)fromFile).Predict(model.Rows);
        using var stream = File.OpenRead(model.ZipPath);
        using var fromStream = BatchPredictor.Load<BinaryBatchPredictor>(Ml, stream);
        Assert.True(stream.CanRead, "the stream is left open");
        using var fromFitted = BatchPredictor.Create<BinaryBatchPredictor>(Ml, model.Fitted);
        using var fromLoaded = BatchPredictor.Create<BinaryBatchPredictor>(Ml, _models.Load(model));
        foreach (var predictor in new[] { fromStream, fromFitted, fromLoaded })
        {
            var actual = predictor.Predict(model.Rows);
            Assert.Equal(expected.Scores, actual.Scores);
            Assert.Equal(expected.Probabilities, actual.Probabilities);
            Assert.Equal(expected.PredictedLabels, actual.PredictedLabels);
        }
        // The fitted model still scores after being wrapped.
        Assert.Equal(150, model.Fitted.Transform(model.Data).GetColumn<float>("Score").Count());
    }

    [Fact]
    public void AGraphWithABatchFixedAtOneIsMadeDynamic()
    {
        var model = _models.Regression;
        using var exported = new MemoryStream();
        ((DeepNeuralNetworkTransformer)model.Fitted).ExportOnnx(exported);
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(exported.ToArray());
        foreach (var value in graph.Graph.Input.Concat(graph.Graph.Output))
            value.Type.TensorType.Shape.Dim[0] = new global::Onnx.TensorShapeProto.Types.Dimension { DimValue = 1 };
        byte[] fixedBatch = graph.ToByteArray();
        using (var session = new InferenceSession(fixedBatch))
            Assert.Equal(new[] { 1, 10 }, session.InputMetadata["Features"].Dimensions);

        const string output = DeepNeuralNetworkTrainerBase<RegressionDeepNeuralNetworkTransformer>.NetworkOutputColumnName;
        var onnx = OnnxScoringChain.CreateOnnxTransformer(Ml, fixedBatch, "Features", output, model.Data.Schema);
        var chain = OnnxScoringChain.Chain(onnx, PredictionHeads.CreateRegression(Ml, onnx.GetOutputSchema(model.Data.Schema), output));
        try
        {
            using var predictor = BatchPredictor.Create<RegressionBatchPredictor>(Ml, chain, new BatchPredictorOptions { BatchSize = 64 });
            AssertClose(chain.Transform(model.Data).GetColumn<float>("Score").ToArray(), predictor.Predict(model.Rows).Scores);
        }
        finally
        {
            OnnxScoringChain.Release(chain);
        }
    }

    [Fact]
    public void OpeningAZipLeavesNoTemporaryFile()
    {
        string folder = Directory.CreateTempSubdirectory("mlnetdeep-batch-temp-").FullName;
        try
        {
            var ml = new MLContext(seed: 1) { TempFilePath = folder };
            // ML.NET writes a loaded zip's ONNX graph into TempFilePath while the chain lives.
            var loaded = ml.Model.Load(_models.Multiclass.ZipPath, out _);
            Assert.Single(Directory.GetFiles(folder));
            ((IDisposable)loaded).Dispose();
            Assert.Empty(Directory.GetFiles(folder));

            using var predictor = BatchPredictor.Load(ml, _models.Multiclass.ZipPath);
            Assert.Empty(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AModelInsideALargerPipelineIsRejectedWithItsTransformersNamed()
    {
        var model = _models.Multiclass;
        var pipeline = Ml.Transforms.CopyColumns("Copy", "Features").Fit(model.Data).Append(model.Fitted);
        var error = Assert.Throws<InvalidDataException>(() => BatchPredictor.Create(Ml, pipeline));
        Assert.Contains("is not an MLNetDeep model", error.Message);
        Assert.Contains("ColumnCopyingTransformer", error.Message);
    }

    [Fact]
    public void RowsOfTheWrongWidthAreRejectedWithTheRowAndBothWidths()
    {
        using var predictor = BatchPredictor.Load<MulticlassBatchPredictor>(Ml, _models.Multiclass.ZipPath);
        var rows = _models.Multiclass.Rows.Take(3).ToList();
        rows[2] = new float[5];
        var error = Assert.Throws<ArgumentException>(() => predictor.Predict(rows));
        Assert.Contains("Row 2 has 5 features; column 'Features' of this model has 6", error.Message);

        error = Assert.Throws<ArgumentException>(() => predictor.Predict(new float[13]));
        Assert.Contains("13 floats, which is not a whole number of rows of 6 features for column 'Features'", error.Message);

        var wide = _models.Context.Transforms.Concatenate("Features", "Features", "Features").Fit(_models.Multiclass.Data).Transform(_models.Multiclass.Data);
        error = Assert.Throws<ArgumentException>(() => predictor.Predict(wide));
        Assert.Contains("Column 'Features' is Vector<Single, 12>; the model needs Vector<Single, 6>", error.Message);
    }

    [Fact]
    public void AZipOfAnotherTaskIsRejectedNamingBothTasks()
    {
        var error = Assert.Throws<InvalidDataException>(() => BatchPredictor.Load<MulticlassBatchPredictor>(Ml, _models.Regression.ZipPath));
        Assert.Contains("The model is a Regression model, which RegressionBatchPredictor scores, not MulticlassBatchPredictor", error.Message);
        error = Assert.Throws<InvalidDataException>(() => BatchPredictor.Create<RegressionBatchPredictor>(Ml, _models.Binary.Fitted));
        Assert.Contains("The model is a BinaryClassification model, which BinaryBatchPredictor scores, not RegressionBatchPredictor", error.Message);
    }

    [Fact]
    public void AZipOfAnotherTrainerIsNotAnMLNetDeepModel()
    {
        var data = _models.Regression.Data;
        var sdca = Ml.Regression.Trainers.Sdca(maximumNumberOfIterations: 2).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"mlnetdeep-sdca-{Guid.NewGuid():N}.zip");
        try
        {
            Ml.Model.Save(sdca, data.Schema, path);
            var error = Assert.Throws<InvalidDataException>(() => BatchPredictor.Load(Ml, path));
            Assert.Contains($"The model zip '{path}' is not an MLNetDeep model", error.Message);
            Assert.Contains("RegressionPredictionTransformer<LinearRegressionModelParameters>", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFileThatIsNotAModelZipIsRejected()
    {
        var error = Assert.Throws<InvalidDataException>(() => BatchPredictor.Load(Ml, new MemoryStream(new byte[] { 1, 2, 3, 4, 5 })));
        Assert.Contains("The model zip cannot be loaded as an ML.NET model", error.Message);
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BatchPredictor.Load(Ml, _models.Regression.ZipPath, new BatchPredictorOptions { BatchSize = 0 }));
        Assert.Contains("BatchPredictorOptions.BatchSize must be at least 1; it was 0", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => BatchPredictor.Load(Ml, _models.Regression.ZipPath, new BatchPredictorOptions { IntraOpThreads = -1 }));
        Assert.Contains("IntraOpThreads", error.Message);
    }

    [Fact]
    public void AGpuThatIsNotThereFailsOrFallsBackAsMLContextSays()
    {
        // This machine's ONNX Runtime is the CPU build: the CUDA provider is missing, as on a machine without a GPU.
        var strict = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var error = Assert.Throws<InvalidOperationException>(() => BatchPredictor.Load(strict, _models.Regression.ZipPath));
        Assert.Contains("The CUDA execution provider could not be used for GPU 0", error.Message);
        Assert.Contains("MLContext.FallbackToCpu = true", error.Message);

        var lenient = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        var log = new List<string>();
        lenient.Log += (_, e) => { lock (log) log.Add(e.Message); };
        using var predictor = BatchPredictor.Load<RegressionBatchPredictor>(lenient, _models.Regression.ZipPath);
        Assert.Equal("CPU", predictor.ExecutionProvider);
        Assert.Contains(log, m => m.Contains("could not be used for GPU 0, so ONNX Runtime runs on the CPU"));
        using var cpu = BatchPredictor.Load<RegressionBatchPredictor>(Ml, _models.Regression.ZipPath);
        Assert.Equal(cpu.Predict(_models.Regression.Rows).Scores, predictor.Predict(_models.Regression.Rows).Scores);
    }
}
