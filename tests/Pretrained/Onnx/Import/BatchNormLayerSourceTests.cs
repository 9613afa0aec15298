using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Pretrained.Tests.ImageClassification;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Training;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Tests.Onnx.Import;

/// <summary>An imported graph's BatchNormalization nodes as the trainer core sees them (<see cref="IBatchNormLayerSource"/>).</summary>
public sealed class BatchNormLayerSourceTests
{
    private static float[] Values(Tensor t) => TorchValues.ToArray(t);

    [Fact]
    public void The_core_finds_every_BatchNormalization_node_with_its_running_statistics()
    {
        using var module = OnnxImporter.Load(SyntheticBackbone.Build(13, seed: 1), new OnnxImportOptions { BatchNormStatistics = BatchNormStatisticsMode.Frozen });
        var layers = BatchNormLayers.Find(module);
        Assert.Equal(5, layers.Count);
        Assert.All(layers, l => Assert.True(l.Frozen));
        Assert.Equal(module.get_buffer("stem_mean")!.data<float>().ToArray(), Values(layers[0].RunningMean));
        Assert.Null(layers[0].BatchesTracked);
    }

    [Fact]
    public void Frozen_statistics_and_frozen_weights_stay_bit_identical_through_a_training_step()
    {
        using var module = OnnxImporter.Load(SyntheticBackbone.Build(13, seed: 1), new OnnxImportOptions { BatchNormStatistics = BatchNormStatisticsMode.FrozenInFrozenLayers });
        module.SetTrainable(false);
        var top = module.Layers.Where(l => l.Name is "Conv_13" or "BatchNormalization_14").Select(l => l.Name).ToArray();
        Assert.Equal(2, top.Length);
        module.SetTrainable(top, true);
        var layers = BatchNormLayers.Find(module);
        Assert.Equal([true, true, true, true, false], layers.Select(l => l.Frozen));
        var before = module.state_dict().ToDictionary(p => p.Key, p => Values(p.Value));

        module.train();
        using var optimizer = optim.SGD(module.parameters().Where(p => p.requires_grad), 0.1);
        using var input = randn(4, 3, SyntheticBackbone.Size, SyntheticBackbone.Size, generator: new TorchSharp.torch.Generator(1));
        using (var loss = module.forward(input).square().mean())
            loss.backward();
        optimizer.step();

        var after = module.state_dict().ToDictionary(p => p.Key, p => Values(p.Value));
        var changed = before.Keys.Where(k => !before[k].SequenceEqual(after[k])).Order().ToArray();
        // The trained conv and BN, and the statistics of the BN in the trainable layer; nothing else moved by a bit.
        Assert.Equal(["block2b_bias", "block2b_mean", "block2b_scale", "block2b_var", "block2b_w"], changed);
    }

    [Fact]
    public void A_mode_set_node_by_node_holds_until_the_next_train_or_eval()
    {
        using var module = OnnxImporter.Load(SyntheticBackbone.Build(13, seed: 1));
        var layer = BatchNormLayers.Find(module)[0];
        var mean = Values(layer.RunningMean);
        using var input = randn(4, 3, SyntheticBackbone.Size, SyntheticBackbone.Size, generator: new TorchSharp.torch.Generator(2));
        module.eval();
        layer.SetTraining(true);
        using (no_grad())
            module.forward(input).Dispose();
        Assert.NotEqual(mean, Values(layer.RunningMean));

        var updated = Values(layer.RunningMean);
        module.eval();
        using (no_grad())
            module.forward(input).Dispose();
        Assert.Equal(updated, Values(layer.RunningMean));

        module.train();
        layer.SetTraining(false);
        using (no_grad())
            module.forward(input).Dispose();
        Assert.Equal(updated, Values(layer.RunningMean));
        layer.Momentum = 1.0;
        Assert.Equal(1.0, layer.Momentum);
        Assert.Throws<NotSupportedException>(() => layer.Momentum = null);
    }
}
