using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Onnx.Export;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>
/// ResNet50V2 with fine-tuned weights goes through the project's exporter: ONNX Runtime and ML.NET (from a model zip)
/// compute what TorchSharp computes, and the graph keeps Keras' structure.
/// </summary>
public sealed class ResNet50V2ExportTests(ITestOutputHelper output, ResNet50V2ExportTests.FineTuned fineTuned) : IClassFixture<ResNet50V2ExportTests.FineTuned>
{
    /// <summary>A randomly initialized ResNet50V2 after one SGD step in training mode (weights and moving statistics changed), put in eval mode.</summary>
    public sealed class FineTuned : IDisposable
    {
        public FineTuned()
        {
            Network = ResNet50V2Network.Create(classes: 5);
            RandomWeights.Fill(Network, seed: 5);
            Network.train();
            using (var scope = torch.NewDisposeScope())
            {
                var optimizer = torch.optim.SGD(Network.parameters(), 0.01);
                using var images = RandomWeights.Images(4, 64, seed: 6);
                var loss = -Network.call(images)[.., 0].log().mean();
                loss.backward();
                optimizer.step();
            }
            Network.eval();
        }

        internal TorchSharp.Modules.Sequential Network { get; }

        public void Dispose() => Network.Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Onnx_runtime_matches_TorchSharp_at_224(int batch)
    {
        var model = TorchSharpOnnxExporter.Export(fineTuned.Network, [3, 224, 224]);
        using var images = RandomWeights.Images(batch, 224, seed: 7);
        var rows = images.data<float>().ToArray();

        var (expected, _) = ExportParity.RunTorch(fineTuned.Network, rows, [batch, 3, 224, 224]);
        var (actual, shape) = OrtRunner.RunWithShape(OrtRunner.Session(model), rows, [batch, 3, 224, 224]);

        Assert.Equal([batch, 5L], shape);
        var difference = ExportParity.MaxAbsoluteDifference(expected, actual);
        output.WriteLine($"batch {batch}: max |ONNX Runtime - TorchSharp| = {difference:E2}");
        Assert.InRange(difference, 0f, 1e-4f);
    }

    [Fact]
    public void Graph_keeps_the_pre_activation_batch_norms_the_strided_pools_and_the_zero_padded_stem()
    {
        var graph = TorchSharpOnnxExporter.Export(fineTuned.Network, [3, 64, 64]).Graph;

        // A batch norm before a convolution cannot be folded into it (the padding would see normalized zeros): the 16
        // pre-activations and post_bn stay nodes, while _1_bn and _2_bn fold into their convolutions.
        var norms = graph.Node.Where(n => n.OpType == "BatchNormalization").Select(n => n.Name.Split('.')[^1]).ToList();
        Assert.Equal(17, norms.Count);
        Assert.All(norms, name => Assert.True(name.EndsWith("_preact_bn") || name == "post_bn", name));

        var strided = graph.Node.Where(n => n.OpType == "MaxPool" && n.Attribute.Single(a => a.Name == "kernel_shape").Ints.SequenceEqual([1L, 1])).ToList();
        Assert.Equal(["conv2_block3", "conv3_block4", "conv4_block6"], strided.Select(n => n.Name.Split('.')[0]));
        Assert.All(strided, n => Assert.Equal([2L, 2], n.Attribute.Single(a => a.Name == "strides").Ints));

        Assert.Equal(16, graph.Node.Count(n => n.OpType == "Add"));
        var stemPad = graph.Node.Single(n => n.Name == "pool1_pad");
        Assert.Equal("Pad", stemPad.OpType);
        var pool = graph.Node.Single(n => n.Name == "pool1_pool");
        Assert.DoesNotContain(pool.Attribute, a => a.Name == "pads" && a.Ints.Any(p => p != 0));
    }

    [Fact]
    public void Export_imports_back_into_a_trainable_module_that_computes_the_same()
    {
        // The transfer-learning path: a backbone's exported graph comes back through the ONNX importer to be fine-tuned.
        var model = TorchSharpOnnxExporter.Export(fineTuned.Network, [3, 64, 64]);
        using var module = MLNetDeep.Pretrained.Onnx.Import.OnnxImporter.Load(model);
        module.eval();
        using var images = RandomWeights.Images(2, 64, seed: 9);
        var rows = images.data<float>().ToArray();
        var (expected, _) = ExportParity.RunTorch(fineTuned.Network, rows, [2, 3, 64, 64]);
        using var noGrad = torch.no_grad();
        using var imported = module.forward(images);
        Assert.InRange(ExportParity.MaxAbsoluteDifference(expected, imported.data<float>().ToArray()), 0f, 1e-5f);
    }

    [Fact]
    public void MlNet_serves_the_export_from_a_model_zip()
    {
        const int rows = 2;
        const int size = 64;
        using var model = new MemoryStream();
        TorchSharpOnnxExporter.Export(fineTuned.Network, [3, size, size], model);
        model.Position = 0;
        using var images = RandomWeights.Images(rows, size, seed: 8);
        var values = images.data<float>().ToArray();
        var width = 3 * size * size;

        var mlContext = new MLContext(seed: 0);
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var data = mlContext.Data.LoadFromEnumerable(
            Enumerable.Range(0, rows).Select(r => new ImageRow { Features = values[(r * width)..((r + 1) * width)] }), schema);
        var transformer = mlContext.Transforms.ApplyOnnxModel(["Output"], ["Features"], model, gpuDeviceId: null, fallbackToCpu: false).Fit(data);
        using var zip = new MemoryStream();
        mlContext.Model.Save(transformer, data.Schema, zip);
        zip.Position = 0;
        var scored = mlContext.Model.Load(zip, out _).Transform(data);

        var actual = scored.GetColumn<float[]>("Output").SelectMany(v => v).ToArray();
        var (expected, _) = ExportParity.RunTorch(fineTuned.Network, values, [rows, 3, size, size]);
        Assert.InRange(ExportParity.MaxAbsoluteDifference(expected, actual), 0f, 1e-4f);
    }

    private sealed class ImageRow
    {
        public float[] Features { get; set; } = [];
    }
}
