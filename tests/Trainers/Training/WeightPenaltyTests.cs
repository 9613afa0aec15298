using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>L1 and L2 add exactly λ₁Σ|w| + λ₂Σw² over dense weights, and nothing for biases, BN or PReLU.</summary>
public sealed class WeightPenaltyTests
{
    private static Sequential BuildNetwork()
    {
        using var generator = new Generator(3);
        var network = NetworkBuilder.Build(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 5, 4 },
            Activation = ActivationFunction.PReLU,
            BatchNormalization = BatchNormalizationPlacement.AfterActivation,
            InputBatchNormalization = true,
        }, 6, 3, generator);
        using var _ = no_grad();
        // Non-zero biases and BN parameters, so a penalty that wrongly included them would show.
        foreach (var (name, p) in network.named_parameters())
        {
            if (!name.EndsWith("linear.weight") && name != "output.weight")
                p.fill_(3.0f);
        }
        return network;
    }

    [Fact]
    public void PenaltyIsExactlyTheKerasSumOverDenseWeights()
    {
        using var network = BuildNetwork();
        var denseWeights = network.named_parameters()
            .Where(p => p.name.EndsWith("linear.weight") || p.name == "output.weight")
            .Select(p => p.parameter.data<float>().ToArray()).ToList();
        Assert.Equal(3, denseWeights.Count);
        double l1Expected = 0.01 * denseWeights.Sum(w => w.Sum(v => Math.Abs((double)v)));
        double l2Expected = 0.02 * denseWeights.Sum(w => w.Sum(v => (double)v * v));

        var weights = NetworkBuilder.DenseWeights(network);
        Assert.Equal(3, weights.Count);
        using var l1Penalty = new WeightPenalty(weights, 0.01, 0);
        using var l2Penalty = new WeightPenalty(weights, 0, 0.02);
        using var bothPenalty = new WeightPenalty(weights, 0.01, 0.02);
        using var l1 = l1Penalty.Compute();
        using var l2 = l2Penalty.Compute();
        using var both = bothPenalty.Compute();
        Assert.Equal(l1Expected, l1.item<float>(), 5);
        Assert.Equal(l2Expected, l2.item<float>(), 5);
        Assert.Equal(l1Expected + l2Expected, both.item<float>(), 5);
    }

    [Fact]
    public void ZeroFactorsMeanNoPenalty()
    {
        using var network = BuildNetwork();
        using var none = new WeightPenalty(NetworkBuilder.DenseWeights(network), 0, 0);
        Assert.False(none.IsActive);
    }

    [Fact]
    public void GradientOfL2IsTwoLambdaW()
    {
        using var network = BuildNetwork();
        var weights = NetworkBuilder.DenseWeights(network);
        using var half = new WeightPenalty(weights, 0, 0.5);
        using var penalty = half.Compute();
        penalty.backward();
        // d/dw (0.5 Σw²) = w: the gradient equals the weights; biases get no gradient from the penalty.
        Assert.True(weights[0].grad!.allclose(weights[0], rtol: 1e-6, atol: 1e-7));
        var bias = network.named_parameters().First(p => p.name == "output.bias").parameter;
        Assert.True(bias.grad is null || bias.grad.abs().sum().item<float>() == 0);
    }
}
