using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using TorchSharp;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

public class FreezeByKerasNameTests
{
    [Fact]
    public void Freezing_layers_and_blocks_by_Keras_name_freezes_exactly_their_parameters()
    {
        using var network = ResNet50V2Network.Create();
        var changed = ResNet50V2Network.SetTrainable(network, false, "conv5_block3", "post_bn", "conv1_conv");

        var frozen = network.named_parameters().Where(p => !p.parameter.requires_grad).Select(p => p.name).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var expected = ResNet50V2Network.KerasLayers()
            .Where(l => l.Block is "conv5_block3" or "post_bn" || l.Name == "conv1_conv")
            .SelectMany(l => l.Weights.Where(w => !w.IsMovingStatistic).Select(l.StateDictKey))
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, frozen);
        Assert.Equal(expected.Count, changed);
        // conv5_block3: preact_bn (2), 1_conv (1), 1_bn (2), 2_conv (1), 2_bn (2), 3_conv (2); post_bn (2); conv1_conv (2).
        Assert.Equal(14, changed);
        Assert.Contains("conv5_block3.conv5_block3_out.main.conv5_block3_3_conv.bias", frozen);
        Assert.DoesNotContain(frozen, name => name.StartsWith("conv5_block2", StringComparison.Ordinal));

        ResNet50V2Network.SetTrainable(network, true, "conv5_block3_3_conv");
        Assert.True(network.named_parameters().Single(p => p.name == "conv5_block3.conv5_block3_out.main.conv5_block3_3_conv.weight").parameter.requires_grad);
        Assert.Equal(12, network.named_parameters().Count(p => !p.parameter.requires_grad));
    }

    [Fact]
    public void Frozen_parameters_get_no_gradient()
    {
        using var network = ResNet50V2Network.Create();
        ResNet50V2Network.SetTrainable(network, false, [.. ResNet50V2Network.BlockNames.SkipLast(1)]);
        using var images = RandomWeights.Images(2, 32, seed: 1);
        network.call(images).sum().backward();

        var withGradient = network.named_parameters().Where(p => p.parameter.grad is not null).Select(p => p.name).ToList();
        Assert.Equal(["post_bn.bias", "post_bn.weight"], withGradient.OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Unknown_name_is_refused_with_the_block_names()
    {
        using var network = ResNet50V2Network.Create();
        var error = Assert.Throws<ArgumentException>(() => ResNet50V2Network.SetTrainable(network, false, "conv6_block1"));
        Assert.Contains("'conv6_block1' is not a Keras layer or block of ResNet50V2 without its top", error.Message);
        Assert.Contains("conv1, conv2_block1, conv2_block2", error.Message);
        Assert.True(network.parameters().All(p => p.requires_grad));
    }
}
