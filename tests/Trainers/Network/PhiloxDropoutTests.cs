using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;

namespace MLNetDeep.Trainers.Tests.Network;

/// <summary>
/// The training step's dropout: Philox4x32-10 gives Random123's published outputs, the vector path gives what the
/// scalar rounds give, the masks keep 1 − p of the elements, scaled by 1 / (1 − p), independently, and the keys come
/// from torch's default generator, so seeded runs repeat.
/// </summary>
public sealed class PhiloxDropoutTests
{
    // Random123's known-answer vectors for philox4x32 with 10 rounds (kat_vectors): counter, key, output.
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Philox_gives_the_published_outputs(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint o0, uint o1, uint o2, uint o3)
    {
        Assert.Equal((o0, o1, o2, o3), Philox4x32.Block(c0, c1, c2, c3, k0, k1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(1000)]
    public void Fill_gives_the_scalar_rounds_values_in_the_documented_order(int length)
    {
        ulong key = 0x0123456789ABCDEF;
        var draws = new uint[length];
        Philox4x32.Fill(draws, key);
        for (int e = 0; e < length; e++)
        {
            int group = e / 16, word = e % 16 / 4, lane = e % 4;
            var (w0, w1, w2, w3) = Philox4x32.Block((uint)(4 * group + lane), 0, 0, 0, (uint)key, (uint)(key >> 32));
            uint expected = word switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
            Assert.True(expected == draws[e], $"element {e} of {length}: {draws[e]:x8}, the scalar rounds give {expected:x8}");
        }
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(0.5)]
    [InlineData(0.1)]
    public void Masks_keep_the_right_share_scaled_and_independently(double keep)
    {
        const int n = 1 << 20;
        var mask = new float[n + 3];
        PhiloxDropout.Fill(mask, 42, keep);
        float scale = 1f / (float)keep;
        Assert.All(mask, v => Assert.True(v == 0 || v == scale, $"a mask value {v} is neither 0 nor {scale}"));
        long kept = mask.Count(v => v != 0);
        long bothKept = Enumerable.Range(0, mask.Length - 1).Count(i => mask[i] != 0 && mask[i + 1] != 0);
        long fourApartKept = Enumerable.Range(0, mask.Length - 4).Count(i => mask[i] != 0 && mask[i + 4] != 0);
        // Five standard deviations of a binomial count: a fair mask fails once in about 3.5 million runs.
        AssertWithin(kept, mask.Length, keep, "kept elements");
        AssertWithin(bothKept, mask.Length - 1, keep * keep, "neighbours both kept");
        AssertWithin(fourApartKept, mask.Length - 4, keep * keep, "elements four apart both kept");
    }

    [Fact]
    public void Another_key_gives_another_mask_and_the_same_key_the_same()
    {
        var a = new float[4096];
        var b = new float[4096];
        var c = new float[4096];
        PhiloxDropout.Fill(a, 1, 0.8);
        PhiloxDropout.Fill(b, 1, 0.8);
        PhiloxDropout.Fill(c, 2, 0.8);
        Assert.Equal(a, b);
        int differ = a.Zip(c).Count(p => p.First != p.Second);
        // Two independent masks at 0.8 differ on 2 · 0.8 · 0.2 = 32 % of the elements.
        Assert.InRange(differ, 4096 * 0.27, 4096 * 0.37);
    }

    [Fact]
    public void Forward_multiplies_by_the_mask_and_the_gradient_is_the_mask()
    {
        using var dropout = nn.Dropout(0.25);
        dropout.train();
        using var scope = NewDisposeScope();
        var input = (randn(64, 50) + 3).requires_grad_(true);
        var output = PhiloxDropout.Forward(dropout, input);
        output.sum().backward();
        var mask = input.grad!;
        Assert.True(mask.eq(0).logical_or(mask.eq(1f / 0.75f)).all().item<bool>(), "the gradient is not a dropout mask");
        Assert.True(output.eq(input.detach() * mask).all().item<bool>(), "the output is not the input times the mask");
        double keptShare = mask.ne(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(keptShare, 0.75 - 5 * Math.Sqrt(0.75 * 0.25 / 3200), 0.75 + 5 * Math.Sqrt(0.75 * 0.25 / 3200));
    }

    [Fact]
    public void Keys_come_from_torchs_default_generator()
    {
        using var dropout = nn.Dropout(0.5);
        dropout.train();
        using var scope = NewDisposeScope();
        var input = ones(32, 40);
        torch.manual_seed(7);
        var first = PhiloxDropout.Forward(dropout, input);
        var second = PhiloxDropout.Forward(dropout, input);
        torch.manual_seed(7);
        var again = PhiloxDropout.Forward(dropout, input);
        Assert.True(first.eq(again).all().item<bool>(), "the same seed gave another mask");
        Assert.False(first.eq(second).all().item<bool>(), "two calls in a row gave the same mask");
    }

    [Theory]
    [InlineData("evaluation")]
    [InlineData("in place")]
    [InlineData("double")]
    public void What_it_does_not_cover_runs_the_module(string why)
    {
        using var dropout = nn.Dropout(0.3, inplace: why == "in place");
        if (why == "evaluation")
            dropout.eval();
        else
            dropout.train();
        using var scope = NewDisposeScope();
        var input = randn(16, 20, why == "double" ? ScalarType.Float64 : ScalarType.Float32);
        torch.manual_seed(11);
        var expected = dropout.forward(input.clone());
        torch.manual_seed(11);
        var actual = PhiloxDropout.Forward(dropout, input.clone());
        Assert.True(expected.eq(actual).all().item<bool>(), $"{why}: the module's own dropout gave another output");
    }

    [Fact]
    public void The_training_step_reaches_the_dropout_layers_inside_each_block()
    {
        using var generator = new Generator(5);
        using var network = NetworkBuilder.Build(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 12, 7 },
            DropoutRate = 0.4,
            InputBatchNormalization = false,
        }, 6, 3, generator);
        network.train();
        using var scope = NewDisposeScope();
        var batch = randn(10, 6);

        torch.manual_seed(3);
        var actual = TrainingStepLayers.Forward(network, batch);

        // The same layers by hand, in forward order, each dropout through PhiloxDropout: the keys are drawn in that order.
        torch.manual_seed(3);
        var expected = batch;
        foreach (var (_, block) in network.named_children())
        {
            if (block is Sequential layers)
            {
                foreach (var (_, layer) in layers.named_children())
                    expected = layer is Dropout d ? PhiloxDropout.Forward(d, expected) : ((nn.Module<Tensor, Tensor>)layer).forward(expected);
            }
            else
            {
                expected = ((nn.Module<Tensor, Tensor>)block).forward(expected);
            }
        }
        Assert.True(expected.eq(actual).all().item<bool>(), "the walk gave another output than its layers by hand");
        Assert.Equal(2, network.modules().OfType<Dropout>().Count());
    }

    [Fact]
    public void Without_dropout_the_training_step_is_the_networks_own_forward()
    {
        using var generator = new Generator(5);
        using var network = NetworkBuilder.Build(new DeepNeuralNetworkOptions { HiddenLayers = new[] { 12, 7 }, DropoutRate = 0 }, 6, 3, generator);
        network.train();
        using var scope = NewDisposeScope();
        var batch = randn(10, 6);
        var expected = network.forward(batch);
        var actual = TrainingStepLayers.Forward(network, batch);
        Assert.True(expected.eq(actual).all().item<bool>(), "walking the Sequentials changed the output");
    }

    private static void AssertWithin(long count, long trials, double probability, string what)
    {
        double mean = trials * probability, sd = Math.Sqrt(trials * probability * (1 - probability));
        Assert.True(Math.Abs(count - mean) <= 5 * sd, $"{what}: {count} of {trials}, expected {mean:F0} ± {5 * sd:F0} (5 sd)");
    }
}
