using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>
/// Exported graphs load through ML.NET's OnnxTransformer from a stream, survive a model zip, and score an IDataView as TorchSharp does, in the shapes
/// the trainer exports: Sequential(network, Softmax(1)) for classification, a trailing Linear(1, 1) for regression; and a
/// CNN on [N, C, H, W] fed from a flat vector column.
/// </summary>
public sealed class MlNetScoringTests(ITestOutputHelper output)
{
    private const int FeatureCount = 784;
    private const int Rows = 16;

    [Fact]
    public void ClassifierScoresLikeTorchSharp()
    {
        var body = TestNetworks.Build(() => nn.Sequential(
            nn.Linear(FeatureCount, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10)));

        var difference = ScoreDifference(nn.Sequential(body, nn.Softmax(1)), [FeatureCount], expectedWidth: 10);

        Assert.InRange(difference, 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void ResNetOnImagesScoresLikeTorchSharpFromAFlatFeatureVector()
    {
        // The graph input is [N, 3, 17, 15]; ML.NET's OnnxTransformer reads the symbolic N as 1 and reshapes each row's
        // 765-float vector to [1, 3, 17, 15] (row-major, as torch flattens C, H, W), so no reshape node is needed.
        var network = TestNetworks.Build(() => nn.Sequential(TestNetworks.SmallResNet(), nn.Softmax(1)));

        var difference = ScoreDifference(network, [3, 17, 15], expectedWidth: 10);

        Assert.InRange(difference, 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void RegressorWithUnstandardizingHeadScoresLikeTorchSharp()
    {
        var network = TestNetworks.Build(() => nn.Sequential(
            nn.Sequential(nn.Linear(FeatureCount, 16), nn.GELU(), nn.Linear(16, 1)), nn.Linear(1, 1)));

        var difference = ScoreDifference(network, [FeatureCount], expectedWidth: 1);

        Assert.InRange(difference, 0f, ExportParity.Tolerance);
    }

    /// <summary>
    /// Scores random rows with TorchSharp and with ML.NET (from a model zip), each row a flat vector of the input shape's
    /// elements; checks ML.NET's output column; returns the largest difference.
    /// </summary>
    private float ScoreDifference(nn.Module<Tensor, Tensor> network, long[] inputShape, int expectedWidth)
    {
        using var model = new MemoryStream();
        TorchSharpOnnxExporter.Export(network, inputShape, model);
        model.Position = 0;
        var featureCount = checked((int)inputShape.Aggregate((a, b) => a * b));
        var rows = ExportParity.RandomRows(inputShape, Rows, seed: 11);
        var mlContext = new MLContext(seed: 0);
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        var data = mlContext.Data.LoadFromEnumerable(
            Enumerable.Range(0, Rows).Select(row => new FeatureRow { Features = rows[(row * featureCount)..((row + 1) * featureCount)] }), schema);

        var transformer = mlContext.Transforms
            .ApplyOnnxModel(["Output"], ["Features"], model, gpuDeviceId: null, fallbackToCpu: false)
            .Fit(data);
        // Score through a saved-and-reloaded model zip, as an application serving the model would.
        using var zip = new MemoryStream();
        mlContext.Model.Save(transformer, data.Schema, zip);
        zip.Position = 0;
        var scored = mlContext.Model.Load(zip, out _).Transform(data);

        var column = Assert.IsType<VectorDataViewType>(scored.Schema["Output"].Type);
        Assert.Equal(NumberDataViewType.Single, column.ItemType);
        Assert.Equal(expectedWidth, column.Size);
        var actual = scored.GetColumn<float[]>("Output").SelectMany(values => values).ToArray();
        var (expected, _) = ExportParity.RunTorch(network, rows, [Rows, .. inputShape]);
        var difference = ExportParity.MaxAbsoluteDifference(expected, actual);
        output.WriteLine($"ML.NET vs TorchSharp, {Rows} rows × {expectedWidth}: max |difference| = {difference:E2}");
        return difference;
    }

    /// <summary>One row; its vector size is set per test through a schema definition.</summary>
    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
