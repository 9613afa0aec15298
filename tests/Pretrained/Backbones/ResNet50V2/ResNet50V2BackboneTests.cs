using System.Security.Cryptography;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Tests.Support;
using Onnx;
using TorchSharp;
using Xunit.Abstractions;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>
/// <c>ImageBackbone.ResNet50V2(path)</c> as the image estimator sees it: the backbone graph computes what the native
/// module computes on Keras-preprocessed pixels, keeps Keras' names, reads every weights format, and checks the file.
/// </summary>
[Collection(ResNet50V2BackboneCollection.Name)]
public sealed class ResNet50V2BackboneTests(ResNet50V2BackboneFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Describes_the_Keras_backbone()
    {
        var backbone = fixture.Backbone;
        Assert.Equal("ResNet50V2", backbone.Name);
        Assert.Equal(224, backbone.InputWidth);
        Assert.Equal(224, backbone.InputHeight);
        Assert.Same(ImagePreprocessing.ScaleToMinusOneOne, backbone.Preprocessing);
        Assert.Equal("avg_pool", backbone.FeatureTensorName);
        Assert.Null(backbone.Sha256);
        Assert.Equal("ResNet50V2 (224x224, features 'avg_pool')", backbone.ToString());
        Assert.Equal(224, fixture.Graph.DecodedSize);
        Assert.Equal(ResNet50V2Backbone.InputName, fixture.Graph.BackboneInput);
    }

    [Fact]
    public void Features_in_ONNX_Runtime_equal_the_network_on_the_same_preprocessed_pixels()
    {
        const int batch = 2;
        var generator = new torch.Generator(31);
        using var pixels = torch.randint(0, 256, [batch, 3, 224, 224], generator: generator).to_type(torch.float32);

        using var session = OrtRunner.Session(fixture.Graph.Model);
        var (actual, shape) = OrtRunner.RunWithShape(session, pixels.data<float>().ToArray(), [batch, 3, 224, 224]);
        Assert.Equal([batch, 2048L], shape);

        using var preprocessed = pixels / 127.5 - 1;
        var (expected, _) = ExportParity.RunTorch(fixture.Network, preprocessed.data<float>().ToArray(), [batch, 3, 224, 224]);
        var difference = ExportParity.MaxAbsoluteDifference(expected, actual);
        output.WriteLine($"max |backbone graph in ONNX Runtime - ResNet50V2Network| = {difference:E2} (features up to {expected.Max(Math.Abs):F3})");
        Assert.InRange(difference, 0f, 1e-4f);
        // Random weights that reached the features: they differ between images and channels.
        Assert.True(expected.Distinct().Count() > 2048);
    }

    [Fact]
    public void The_graph_imports_back_into_a_module_that_computes_the_same_features()
    {
        // Fine-tuning's path: the backbone graph, preprocessing included, comes back through the ONNX importer.
        using var module = MLNetDeep.Pretrained.Onnx.Import.OnnxImporter.Load(fixture.Graph.Model);
        module.eval();
        var generator = new torch.Generator(32);
        using var pixels = torch.randint(0, 256, [1, 3, 224, 224], generator: generator).to_type(torch.float32);
        using var preprocessed = pixels / 127.5 - 1;
        var (expected, _) = ExportParity.RunTorch(fixture.Network, preprocessed.data<float>().ToArray(), [1, 3, 224, 224]);
        using var noGrad = torch.no_grad();
        using var imported = module.forward(pixels);
        Assert.Equal([1L, 2048], imported.shape);
        var difference = ExportParity.MaxAbsoluteDifference(expected, imported.data<float>().ToArray());
        output.WriteLine($"max |imported backbone graph - ResNet50V2Network| = {difference:E2}");
        Assert.InRange(difference, 0f, 1e-4f);
    }

    [Fact]
    public void Graph_keeps_Keras_block_and_layer_names_and_its_batch_norms()
    {
        var graph = fixture.Graph.Model.Graph;
        output.WriteLine(string.Join(Environment.NewLine, graph.Node.Where(n => n.Name.StartsWith("conv2_block1.", StringComparison.Ordinal)).Select(n => $"{n.OpType} {n.Name}")));

        Assert.Equal(16, ResNet50V2Backbone.ResidualBlocks.Count);
        Assert.Equal("conv2_block1", ResNet50V2Backbone.ResidualBlocks[0]);
        Assert.Equal("conv5_block3", ResNet50V2Backbone.ResidualBlocks[^1]);
        var adds = graph.Node.Where(n => n.OpType == "Add" && !n.Name.StartsWith("mlnetdeep_", StringComparison.Ordinal)).Select(n => n.Name).ToList();
        Assert.Equal(ResNet50V2Backbone.ResidualBlocks.Select(b => $"{b}.{b}_out"), adds);
        foreach (var block in ResNet50V2Backbone.ResidualBlocks)
        {
            var convolutions = graph.Node.Where(n => n.OpType == "Conv" && n.Name.StartsWith(block + ".", StringComparison.Ordinal)).Select(n => n.Name.Split('.')[^1]).ToList();
            var expected = block.EndsWith("_block1", StringComparison.Ordinal) ? new[] { "1_conv", "2_conv", "3_conv", "0_conv" } : ["1_conv", "2_conv", "3_conv"];
            Assert.Equal(expected.Select(s => $"{block}_{s}").Order(), convolutions.Order());
        }
        // Not folded: every Keras batch norm is a node, so fine-tuning can keep it in inference mode.
        Assert.Equal(ResNet50V2Network.KerasLayers().Count(l => l.Kind == KerasLayerKind.BatchNormalization), graph.Node.Count(n => n.OpType == "BatchNormalization"));
        // The stem's nodes, the pool's zero-padding guard ("pool1_pool.ZeroPadding") included, carry its Keras layer names.
        Assert.Equal(["conv1_pad", "conv1_conv", "pool1_pad", "pool1_pool"],
            graph.Node.Where(n => n.Name.StartsWith("conv1_", StringComparison.Ordinal) || n.Name.StartsWith("pool1_", StringComparison.Ordinal)).Select(n => n.Name.Split('.')[0]).Distinct());
        Assert.Contains(graph.Node, n => n.Name == "post_bn" && n.OpType == "BatchNormalization");
    }

    [Fact]
    public void Records_the_files_SHA_256()
    {
        var source = (ResNet50V2Backbone)fixture.Backbone.Source;
        Assert.Equal(Sha256Of(fixture.WeightsPath), source.Weights!.Sha256);
        Assert.Equal(WeightsFormat.KerasH5, source.Weights.Format);
        Assert.Equal(fixture.WeightsPath, source.Weights.FilePath);
    }

    [Fact]
    public void A_TorchSharp_file_and_a_Keras_file_with_the_top_give_the_same_graph_whatever_their_extension()
    {
        // Renamed: the format is told by the content.
        var torchSharp = Path.Combine(fixture.Folder, "weights.state");
        ResNet50V2Weights.SaveTorchSharp(fixture.Network, torchSharp);
        // Keras' default download has the 1000-class top, which the backbone drops.
        var withTop = Path.Combine(fixture.Folder, "with-top.bin");
        using (var top = ResNet50V2Network.Create(classes: 1000))
        {
            using (torch.no_grad())
            {
                var state = top.state_dict();
                foreach (var (name, tensor) in fixture.Network.state_dict())
                    state[name].copy_(tensor);
            }
            KerasH5File.From(top).Write(withTop);
        }

        var keys = new List<string>();
        foreach (var (path, format) in new[] { (torchSharp, WeightsFormat.TorchSharp), (withTop, WeightsFormat.KerasH5) })
        {
            var source = (ResNet50V2Backbone)ImageBackbone.ResNet50V2(path).Source;
            var (model, key) = source.Load();
            Assert.Equal(format, source.Weights!.Format);
            Assert.Equal(Sha256Of(path), source.Weights.Sha256);
            AssertSameInitializers(fixture.Graph.Model, model);
            keys.Add(key);
        }
        // The feature cache's key follows the file: another file, other features as far as the cache knows.
        Assert.NotEqual(keys[0], keys[1]);
    }

    [Theory]
    [InlineData("keras.bin", new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n', 0 }, WeightsFormat.KerasH5)]
    [InlineData("damaged.h5", new byte[] { 1, 2, 3 }, WeightsFormat.KerasH5)]
    [InlineData("model.weights", new byte[] { 0x08, 0x08, 0x12, 0x08 }, WeightsFormat.Onnx)]
    [InlineData("model.onnx", new byte[] { 0xC4, 0x02 }, WeightsFormat.Onnx)]
    [InlineData("state.dat", new byte[] { 0xC4, 0x02, 0x1A }, WeightsFormat.TorchSharp)]
    [InlineData("empty", new byte[0], WeightsFormat.TorchSharp)]
    public void Weights_files_are_told_by_content_then_extension(string name, byte[] content, WeightsFormat expected)
    {
        var path = Path.Combine(fixture.Folder, name);
        File.WriteAllBytes(path, content);
        Assert.Equal(expected, WeightsFileFormat.Detect(path));
        Assert.Equal(WeightsFormat.Onnx, WeightsFileFormat.Detect(Path.Combine(fixture.Folder, "missing.onnx")));
    }

    [Fact]
    public void A_file_with_Keras_published_name_and_another_MD5_is_refused_naming_the_file_and_both_hashes()
    {
        var published = Path.Combine(fixture.Folder, ResNet50V2Network.KerasWeightsFileNameWithoutTop);
        File.Copy(fixture.WeightsPath, published, overwrite: true);
        var md5 = Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(published)));

        var error = Assert.Throws<WeightsFileException>(() => BackboneGraph.Build(ImageBackbone.ResNet50V2(published)));
        output.WriteLine(error.Message);
        error.Message.ShouldNameFileAnd(published, md5);
        Assert.Contains("fac2f116257151a9d068a22e544a4917", error.Message);
        Assert.Equal(published, error.FilePath);
    }

    [Fact]
    public void A_file_with_another_SHA_256_than_given_is_refused_naming_both()
    {
        var expected = new string('a', 64);
        var error = Assert.Throws<InvalidDataException>(() => BackboneGraph.Build(ImageBackbone.ResNet50V2(fixture.WeightsPath, expected)));
        error.Message.ShouldNameFileAnd(fixture.WeightsPath, expected);
        Assert.Contains(Sha256Of(fixture.WeightsPath), error.Message);
    }

    [Fact]
    public void A_missing_file_and_bad_arguments_are_refused_clearly()
    {
        var missing = Path.Combine(fixture.Folder, "absent.h5");
        var error = Assert.Throws<InvalidDataException>(() => BackboneGraph.Build(ImageBackbone.ResNet50V2(missing)));
        error.Message.ShouldNameFileAnd(missing, ResNet50V2Network.KerasWeightsFileNameWithoutTop);

        Assert.Throws<ArgumentException>(() => ImageBackbone.ResNet50V2(" "));
        var badHash = Assert.Throws<ArgumentException>(() => ImageBackbone.ResNet50V2(fixture.WeightsPath, "abc"));
        Assert.Equal("sha256", badHash.ParamName);
    }

    [Fact]
    public void A_file_that_is_not_ResNet50V2_names_the_layer()
    {
        // The synthetic ONNX backbone of the image tests: an ONNX file, but not of this network.
        var other = Path.Combine(fixture.Folder, "other.onnx");
        ImageClassification.SyntheticBackbone.Write(other);
        var error = Assert.Throws<WeightsFileException>(() => BackboneGraph.Build(ImageBackbone.ResNet50V2(other)));
        output.WriteLine(error.Message);
        Assert.Equal("conv1_conv", error.LayerName);
        Assert.Contains(other, error.Message);
    }

    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static void AssertSameInitializers(ModelProto expected, ModelProto actual)
    {
        var byName = actual.Graph.Initializer.ToDictionary(t => t.Name);
        Assert.Equal(expected.Graph.Initializer.Count(t => !t.Name.StartsWith("mlnetdeep_", StringComparison.Ordinal)),
            byName.Keys.Count(n => !n.StartsWith("mlnetdeep_", StringComparison.Ordinal)));
        foreach (var tensor in expected.Graph.Initializer.Where(t => !t.Name.StartsWith("mlnetdeep_", StringComparison.Ordinal)))
        {
            var other = byName[tensor.Name];
            Assert.Equal(tensor.Dims, other.Dims);
            Assert.True(tensor.RawData.Span.SequenceEqual(other.RawData.Span), $"initializer '{tensor.Name}' differs");
        }
    }
}
