using Google.Protobuf;
using Onnx;
using TorchSharp;
using static MLNetDeep.Tests.Support.GraphBuilder;
using static TorchSharp.torch;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.Tests.Onnx.Import;

/// <summary>Train/eval behaviour, BatchNormalization statistics modes, layer selection and external weights on small graphs.</summary>
public sealed class TrainingBehaviourTests
{
    /// <summary>Conv (weight + bias) then BatchNormalization then Gemm-free pooling: two layers.</summary>
    private static ModelProto ConvBn() => new GraphBuilder().Input("x", 4, 2, 5, 5)
        .RandomInitializer("conv.weight", new Random(3), 3, 2, 3, 3).RandomInitializer("conv.bias", new Random(4), 3)
        .Initializer("bn.scale", [1f, 2f, 0.5f], 3).Initializer("bn.bias", [0f, 0.1f, -0.1f], 3)
        .Initializer("bn.mean", [0f, 0f, 0f], 3).Initializer("bn.var", [1f, 1f, 1f], 3)
        .Node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], Ints("kernel_shape", 3, 3))
        .Node("BatchNormalization", ["c", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["y"], Float("momentum", 0.9f))
        .Output("y").Build(13);

    [Theory]
    [InlineData(BatchNormStatisticsMode.UpdateWhileTraining, true)]
    [InlineData(BatchNormStatisticsMode.Frozen, false)]
    public void BatchNorm_statistics_update_while_training_unless_frozen(BatchNormStatisticsMode mode, bool updates)
    {
        torch.manual_seed(1);
        using var module = OnnxImporter.Load(ConvBn(), new OnnxImportOptions { BatchNormStatistics = mode });
        using var x = torch.randn(4, 2, 5, 5) * 3 + 1;
        module.eval();
        using var evaluated = module.forward(x);
        module.train();
        using var trained = module.forward(x);
        var mean = module.GetInitializers()["bn.mean"];
        Assert.Equal(updates, mean.abs().sum().item<float>() > 0);
        Assert.Equal(!updates, torch.allclose(evaluated, trained));
        if (updates)
        {
            // Batch statistics: each channel of the output has the BN bias as its mean.
            using var channelMeans = trained.mean([0, 2, 3]);
            Assert.True(torch.allclose(channelMeans, torch.tensor(new[] { 0f, 0.1f, -0.1f }), atol: 1e-4));
        }
    }

    [Fact]
    public void Frozen_layers_keep_running_statistics_with_FrozenInFrozenLayers()
    {
        using var module = OnnxImporter.Load(ConvBn(), new OnnxImportOptions { BatchNormStatistics = BatchNormStatisticsMode.FrozenInFrozenLayers });
        module.train();
        using var x = torch.randn(4, 2, 5, 5) + 2;
        module.SetTrainable(["BatchNormalization_1"], trainable: false);
        module.forward(x).Dispose();
        Assert.Equal(0f, module.GetInitializers()["bn.mean"].abs().sum().item<float>());
        module.SetTrainable(["BatchNormalization_1"], trainable: true);
        module.forward(x).Dispose();
        Assert.NotEqual(0f, module.GetInitializers()["bn.mean"].abs().sum().item<float>());
    }

    [Fact]
    public void Layers_can_be_selected_by_name_or_by_count_from_the_end()
    {
        using var module = OnnxImporter.Load(ConvBn());
        Assert.Equal(["Conv_0", "BatchNormalization_1"], module.Layers.Select(l => l.Name));
        Assert.Equal(["conv.weight", "conv.bias"], module.Layers[0].InitializerNames);
        Assert.Equal(["conv_weight", "conv_bias"], module.Layers[0].ParameterNames);
        Assert.All(module.Layers, l => Assert.True(l.Trainable));

        module.TrainOnlyLastLayers(1);
        Assert.False(module.Layers[0].Trainable);
        Assert.True(module.Layers[1].Trainable);
        Assert.Equal(2, module.parameters().Count(p => p.requires_grad));
        module.TrainOnlyLastLayers(0);
        Assert.DoesNotContain(module.parameters(), p => p.requires_grad);
        module.TrainOnlyLastLayers(10);
        Assert.All(module.parameters(), p => Assert.True(p.requires_grad));

        var e = Assert.Throws<ArgumentException>(() => module.SetTrainable(["Conv_9"], trainable: false));
        Assert.Contains("'Conv_9'", e.Message);
        Assert.Contains("Conv_0", e.Message);
    }

    [Fact]
    public void Gradients_reach_only_trainable_layers()
    {
        using var module = OnnxImporter.Load(ConvBn());
        module.TrainOnlyLastLayers(1);
        module.train();
        using var x = torch.randn(4, 2, 5, 5);
        using var loss = module.forward(x).square().mean();
        loss.backward();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Null(parameters["conv_weight"].grad);
        Assert.NotNull(parameters["bn_scale"].grad);
    }

    [Fact]
    public void Weights_stored_in_an_external_file_are_read_from_beside_the_model()
    {
        var folder = Directory.CreateTempSubdirectory("mlnetdeep-external-").FullName;
        try
        {
            var model = new GraphBuilder().Input("x", 1, 3).Initializer("w", [0f], 1).Node("Mul", ["x", "w"], ["y"]).Output("y", 1, 3).Build(13);
            var weights = new[] { 2f, -1f, 0.5f };
            var external = model.Graph.Initializer[0];
            external.FloatData.Clear();
            external.Dims.Clear();
            external.Dims.Add(3);
            external.DataLocation = TensorProto.Types.DataLocation.External;
            external.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
            external.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "4" });
            File.WriteAllBytes(Path.Combine(folder, "weights.bin"), new byte[4].Concat(weights.SelectMany(BitConverter.GetBytes)).ToArray());
            var path = Path.Combine(folder, "model.onnx");
            File.WriteAllBytes(path, model.ToByteArray());

            using var module = OnnxImporter.Load(path);
            using var x = torch.tensor(new[] { 1f, 2f, 3f }, [1, 3]);
            using var y = module.forward(x);
            Assert.Equal([2f, -2f, 1.5f], TorchValues.ToArray(y));

            var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(OnnxModelReader.Read(path)));
            Assert.Contains("weights.bin", e.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
