using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>Drawn weights have the mean, spread and bounds that each initializer's formula gives.</summary>
public sealed class WeightInitializationTests
{
    private const long FanIn = 800, FanOut = 400;

    [Theory]
    [InlineData(WeightInitializer.HeNormal, 2.0 / FanIn)]
    [InlineData(WeightInitializer.GlorotNormal, 2.0 / (FanIn + FanOut))]
    [InlineData(WeightInitializer.LeCunNormal, 1.0 / FanIn)]
    public void NormalInitializersHaveTheTheoreticalStandardDeviation(WeightInitializer initializer, double variance)
    {
        using var weight = empty(FanOut, FanIn);
        using var generator = new Generator(11);
        WeightInitialization.Initialize(weight, initializer, generator);
        double std = weight.std().item<float>();
        double mean = weight.mean().item<float>();
        Assert.InRange(std / Math.Sqrt(variance), 0.99, 1.01);
        Assert.InRange(Math.Abs(mean), 0, 0.01 * Math.Sqrt(variance));
    }

    [Theory]
    [InlineData(WeightInitializer.HeUniform, 6.0 / FanIn)]
    [InlineData(WeightInitializer.GlorotUniform, 6.0 / (FanIn + FanOut))]
    public void UniformInitializersStayInsideTheirLimitAndSpreadLikeAUniform(WeightInitializer initializer, double limitSquared)
    {
        double limit = Math.Sqrt(limitSquared);
        using var weight = empty(FanOut, FanIn);
        using var generator = new Generator(12);
        WeightInitialization.Initialize(weight, initializer, generator);
        Assert.True(weight.abs().max().item<float>() <= limit);
        Assert.True(weight.abs().max().item<float>() > 0.99 * limit, "the draw should come close to the limit");
        // A uniform on [-a, a] has standard deviation a / √3.
        Assert.InRange(weight.std().item<float>() / (limit / Math.Sqrt(3)), 0.99, 1.01);
    }

    [Theory]
    [InlineData(ActivationFunction.ReLU, WeightInitializer.HeNormal)]
    [InlineData(ActivationFunction.ELU, WeightInitializer.HeNormal)]
    [InlineData(ActivationFunction.LeakyReLU, WeightInitializer.HeNormal)]
    [InlineData(ActivationFunction.SELU, WeightInitializer.LeCunNormal)]
    [InlineData(ActivationFunction.Tanh, WeightInitializer.GlorotUniform)]
    [InlineData(ActivationFunction.Sigmoid, WeightInitializer.GlorotUniform)]
    public void AutoPicksTheInitializerThatSuitsTheActivation(ActivationFunction activation, WeightInitializer expected)
    {
        Assert.Equal(expected, ActivationModules.DefaultInitializer(activation));
        // And the built network's first layer really has that spread.
        using var generator = new Generator(5);
        using var network = NetworkBuilder.Build(new DeepNeuralNetworkOptions { Activation = activation, HiddenLayers = new[] { 400 } }, FanIn, 10, generator);
        var first = (TorchSharp.Modules.Linear)network.named_modules().Single(m => m.name == "hidden1.linear").module;
        double scale = WeightInitialization.Scale(expected, FanIn, 400);
        double expectedStd = WeightInitialization.IsUniform(expected) ? scale / Math.Sqrt(3) : scale;
        Assert.InRange(first.weight!.std().item<float>() / expectedStd, 0.98, 1.02);
        Assert.Equal(0f, first.bias!.abs().sum().item<float>());
    }

    [Fact]
    public void AHundredSeluLayersWithLeCunInitKeepStandardizedActivationsNearMeanZeroAndVarianceOne()
    {
        // Self-normalization (Klambauer et al. 2017), the premise of the chapter's 100-layer SELU experiment: through the
        // built network, on standardized inputs, every layer's activations keep a mean near 0 and a variance near 1.
        using var generator = new Generator(3);
        using var network = NetworkBuilder.Build(new DeepNeuralNetworkOptions
        {
            Activation = ActivationFunction.SELU,
            WeightInitializer = WeightInitializer.LeCunNormal,
            HiddenLayers = Enumerable.Repeat(100, 100).ToArray(),
        }, 784, 10, generator);
        network.eval();
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 2000, 784 }, generator: generator);
        for (int i = 1; i <= 100; i++)
        {
            x = ((nn.Module<Tensor, Tensor>)network.named_modules().Single(m => m.name == $"hidden{i}").module).forward(x);
            if (i % 10 == 0)
            {
                Assert.InRange(x.mean().item<float>(), -0.3, 0.3);
                Assert.InRange(x.var().item<float>(), 0.6, 1.5);
            }
        }
    }
}
