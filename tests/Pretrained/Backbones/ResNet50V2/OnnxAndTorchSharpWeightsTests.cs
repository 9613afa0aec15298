using Google.Protobuf;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Onnx.Export;
using Onnx;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

public class OnnxAndTorchSharpWeightsTests(ReferenceNetwork reference) : IClassFixture<ReferenceNetwork>
{
    private static readonly long[] SampleShape = [3, ReferenceNetwork.ImageSize, ReferenceNetwork.ImageSize];

    [Fact]
    public void Onnx_export_without_folding_reloads_to_identical_outputs()
    {
        var model = TorchSharpOnnxExporter.Export(reference.Network, SampleShape, new OnnxExportOptions { FoldBatchNorm = false });
        using var network = ResNet50V2Network.Create();
        var loaded = Load(model, network);

        Assert.True(RandomWeights.Identical(reference.OutputOf(network), reference.Output));
        Assert.Equal(WeightsFormat.Onnx, loaded.Format);
        Assert.Equal(ResNet50V2Network.ParameterCountWithoutTop, loaded.ValueCount);
    }

    [Fact]
    public void Folded_batch_norms_come_back_as_equivalent_batch_norms()
    {
        // The default export folds _1_bn and _2_bn into their convolutions, as tf2onnx does.
        var model = TorchSharpOnnxExporter.Export(reference.Network, SampleShape);
        Assert.DoesNotContain(model.Graph.Node, n => n.Name.EndsWith("conv2_block1_1_bn", StringComparison.Ordinal));
        using var network = ResNet50V2Network.Create();
        Load(model, network);

        var difference = (reference.OutputOf(network) - reference.Output).abs().max().item<float>();
        Assert.True(difference < 1e-4f, $"max difference {difference}");
        var beta = network.state_dict()["conv2_block1.conv2_block1_out.main.conv2_block1_1_bn.running_mean"];
        Assert.Equal(0f, beta.abs().max().item<float>());
    }

    [Fact]
    public void Tf2onnx_style_names_are_matched_by_node_not_by_initializer()
    {
        var model = TorchSharpOnnxExporter.Export(reference.Network, SampleShape, new OnnxExportOptions { FoldBatchNorm = false });
        // tf2onnx names nodes "StatefulPartitionedCall/resnet50v2/<layer>/<op>" and initializers after constant folding.
        var renames = new Dictionary<string, string>();
        foreach (var initializer in model.Graph.Initializer)
            renames[initializer.Name] = initializer.Name = $"const_fold_opt__{renames.Count}";
        foreach (var node in model.Graph.Node)
        {
            var layer = node.Name.Split('.')[^1];
            node.Name = $"StatefulPartitionedCall/resnet50v2/{layer}/{(node.OpType == "Conv" ? "Conv2D" : "FusedBatchNormV3")}";
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (renames.TryGetValue(node.Input[i], out var renamed))
                    node.Input[i] = renamed;
            }
        }
        using var network = ResNet50V2Network.Create();
        Load(model, network);
        Assert.True(RandomWeights.Identical(reference.OutputOf(network), reference.Output));
    }

    [Fact]
    public void Onnx_weight_of_the_wrong_shape_names_the_layer()
    {
        var model = TorchSharpOnnxExporter.Export(reference.Network, SampleShape, new OnnxExportOptions { FoldBatchNorm = false });
        var node = model.Graph.Node.Single(n => n.Name.EndsWith(".conv4_block1_0_conv", StringComparison.Ordinal));
        var weight = model.Graph.Initializer.Single(i => i.Name == node.Input[1]);
        weight.Dims[0] = 512;
        weight.RawData = ByteString.CopyFrom(new byte[512 * 512 * 4]);

        using var network = ResNet50V2Network.Create();
        var error = Assert.Throws<WeightsFileException>(() => Load(model, network));
        Assert.Equal("conv4_block1_0_conv", error.LayerName);
        Assert.Contains("has shape [512, 512, 1, 1], expected [1024, 512, 1, 1]", error.Message);
    }

    [Fact]
    public void Onnx_without_a_layer_names_it()
    {
        var model = TorchSharpOnnxExporter.Export(reference.Network, SampleShape, new OnnxExportOptions { FoldBatchNorm = false });
        model.Graph.Node.Single(n => n.OpType == "BatchNormalization" && n.Name.Split('.')[^1] == "post_bn").Name = "final_norm";
        using var network = ResNet50V2Network.Create();
        var error = Assert.Throws<WeightsFileException>(() => Load(model, network));
        Assert.Equal("post_bn", error.LayerName);
        Assert.Contains("no BatchNormalization node named after layer 'post_bn'", error.Message);
    }

    [Fact]
    public void TorchSharp_state_dict_round_trips_exactly()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "resnet50v2.dat");
        ResNet50V2Weights.SaveTorchSharp(reference.Network, path);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));

        using var network = ResNet50V2Network.Create();
        var loaded = ResNet50V2Weights.LoadTorchSharp(network, path);
        Assert.True(RandomWeights.Identical(reference.OutputOf(network), reference.Output));
        Assert.Equal(WeightsFormat.TorchSharp, loaded.Format);
    }

    [Fact]
    public void TorchSharp_state_dict_of_another_network_names_the_tensor()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "with-top.dat");
        using (var withTop = ResNet50V2Network.Create(classes: 10))
            ResNet50V2Weights.SaveTorchSharp(withTop, path);

        using var network = ResNet50V2Network.Create();
        var error = Assert.Throws<WeightsFileException>(() => ResNet50V2Weights.LoadTorchSharp(network, path));
        Assert.Equal("predictions", error.LayerName);
        Assert.Contains("has tensor 'predictions.weight' (shape [10, 2048]), which the network does not have, and 1 more", error.Message);

        using var wider = ResNet50V2Network.Create(classes: 12);
        var shape = Assert.Throws<WeightsFileException>(() => ResNet50V2Weights.LoadTorchSharp(wider, path));
        Assert.Contains("tensor 'predictions.weight' (layer 'predictions') has shape [10, 2048], expected [12, 2048]", shape.Message);
    }

    private static LoadedWeights Load(ModelProto model, TorchSharp.torch.nn.Module network)
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "resnet50v2.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return ResNet50V2Weights.LoadOnnx(network, path);
    }
}
