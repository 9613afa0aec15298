using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

public class ResNet50V2ArchitectureTests
{
    [Fact]
    public void Parameter_counts_match_Keras_published_figures()
    {
        using var network = ResNet50V2Network.Create();
        var state = network.state_dict().Where(e => !e.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        Assert.Equal(23_564_800, state.Sum(e => e.Value.numel()));
        Assert.Equal(ResNet50V2Network.ParameterCountWithoutTop, state.Sum(e => e.Value.numel()));
        Assert.Equal(45_440, state.Where(e => e.Key.EndsWith("running_mean") || e.Key.EndsWith("running_var")).Sum(e => e.Value.numel()));
        Assert.Equal(23_564_800 - 45_440, network.parameters().Sum(p => p.numel()));

        using var withTop = ResNet50V2Network.Create(classes: 1000);
        Assert.Equal(25_613_800, withTop.state_dict().Where(e => !e.Key.EndsWith("num_batches_tracked")).Sum(e => e.Value.numel()));
    }

    [Fact]
    public void Keras_layer_list_covers_the_state_dict_one_to_one()
    {
        using var network = ResNet50V2Network.Create(classes: 10);
        var layers = ResNet50V2Network.KerasLayers(withTop: true, classes: 10);
        // conv1_conv, 16 blocks of 6 weighted layers, 4 shortcut convolutions, post_bn, predictions.
        Assert.Equal(1 + 16 * 6 + 4 + 1 + 1, layers.Count);
        Assert.Equal(layers.Count, layers.Select(l => l.Name).Distinct().Count());
        var keys = layers.SelectMany(l => l.Weights.Select(l.StateDictKey)).ToList();
        var state = network.state_dict();
        Assert.Equal(state.Keys.Where(k => !k.EndsWith("num_batches_tracked")).OrderBy(k => k, StringComparer.Ordinal), keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var layer in layers)
        {
            Assert.EndsWith("." + layer.Name, "." + layer.ModulePath);
            foreach (var weight in layer.Weights)
                Assert.Equal(weight.TorchShape, state[layer.StateDictKey(weight)].shape);
        }
        var module = network.named_modules().ToDictionary(m => m.name, m => m.module);
        Assert.IsType<TorchSharp.Modules.BatchNorm2d>(module["conv4_block2.conv4_block2_out.main.conv4_block2_preact_bn"]);
        Assert.Equal(1.001e-5, ((TorchSharp.Modules.BatchNorm2d)module["post_bn"]).eps, 12);
    }

    [Fact]
    public void Keras_order_puts_the_shortcut_after_the_second_batch_norm()
    {
        var names = ResNet50V2Network.KerasLayers().Select(l => l.Name).ToList();
        Assert.Equal(["conv1_conv", "conv2_block1_preact_bn", "conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_2_conv", "conv2_block1_2_bn", "conv2_block1_0_conv", "conv2_block1_3_conv", "conv2_block2_preact_bn"], names.Take(9));
        Assert.Equal("post_bn", names[^1]);
    }

    [Fact]
    public void Block_names_run_from_the_stem_to_post_bn()
    {
        var blocks = ResNet50V2Network.BlockNames;
        Assert.Equal(18, blocks.Count);
        Assert.Equal(["conv1", "conv2_block1", "conv2_block2", "conv2_block3", "conv3_block1"], blocks.Take(5));
        Assert.Equal(["conv5_block2", "conv5_block3", "post_bn"], blocks.TakeLast(3));
    }

    [Theory]
    [InlineData(224, 7)]
    [InlineData(64, 2)]
    public void Shapes_follow_Keras_with_three_strided_stages(int size, int finalSize)
    {
        using var network = ResNet50V2Network.Create();
        network.eval();
        using var noGrad = torch.no_grad();
        using var images = torch.zeros(1, 3, size, size);
        using var features = network.call(images);
        Assert.Equal([1L, 2048], features.shape);

        // Everything before post_bn's pooling: the last block's output is [N, 2048, size/32, size/32].
        var children = network.named_children().ToList();
        var x = images.alias();
        foreach (var (name, child) in children.TakeWhile(c => c.name != "post_bn"))
            x = ((nn.Module<Tensor, Tensor>)child).call(x);
        Assert.Equal([1L, 2048, finalSize, finalSize], x.shape);
    }

    [Fact]
    public void Stem_pool_pads_with_zeros_that_win_against_negative_activations()
    {
        using var network = ResNet50V2Network.Create();
        var modules = network.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        using (torch.no_grad())
        {
            var conv = (TorchSharp.Modules.Conv2d)modules["conv1_conv"];
            conv.weight!.zero_();
            conv.bias!.fill_(-1);
        }
        using var noGrad = torch.no_grad();
        using var input = torch.zeros(1, 3, 32, 32);
        using var pooled = modules["pool1_pool"].call(modules["pool1_pad"].call(modules["conv1_conv"].call(modules["conv1_pad"].call(input))));
        Assert.Equal([1L, 64, 8, 8], pooled.shape);
        // Windows that touch the padded border see a 0 and return it; interior windows see only -1.
        Assert.Equal(0f, pooled[0, 0, 0, 3].item<float>());
        Assert.Equal(0f, pooled[0, 0, 3, 0].item<float>());
        Assert.Equal(-1f, pooled[0, 0, 3, 3].item<float>());
    }

    [Fact]
    public void Create_rejects_a_top_without_classes()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ResNet50V2Network.Create(classes: 0));
        Assert.Contains("classes", error.Message);
    }
}
