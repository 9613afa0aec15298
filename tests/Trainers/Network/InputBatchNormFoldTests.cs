using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;

namespace MLNetDeep.Trainers.Tests.Network;

/// <summary>
/// The training step's forward pass with the input batch norm folded into the first dense layer computes what the
/// modules compute: output, every gradient and the running statistics, to rounding.
/// </summary>
public sealed class InputBatchNormFoldTests
{
    private static Sequential Network(BatchNormalizationPlacement placement, bool inputBatchNorm, int seed = 3)
    {
        using var generator = new Generator((ulong)seed);
        var network = NetworkBuilder.Build(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 9, 5 },
            BatchNormalization = placement,
            InputBatchNormalization = inputBatchNorm,
        }, 6, 3, generator);
        // Non-trivial γ and β, as after some training, so that a wrong fold cannot hide behind γ = 1, β = 0.
        using (no_grad())
        {
            foreach (var (name, parameter) in network.named_parameters())
            {
                if (name.StartsWith("input_bn.", StringComparison.Ordinal))
                    parameter.copy_(rand(parameter.shape, generator: generator) + 0.5);
            }
        }
        network.train();
        return network;
    }

    public static TheoryData<BatchNormalizationPlacement> Placements => new()
    {
        BatchNormalizationPlacement.None, BatchNormalizationPlacement.BeforeActivation, BatchNormalizationPlacement.AfterActivation,
    };

    [Theory]
    [MemberData(nameof(Placements))]
    public void The_folded_pass_gives_the_modules_output_gradients_and_running_statistics(BatchNormalizationPlacement placement)
    {
        using var plain = Network(placement, inputBatchNorm: true);
        using var folded = Network(placement, inputBatchNorm: true);
        using var generator = new Generator(11);
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var batch = randn(new long[] { InputBatchNormFold.MinimumBatchRows, 6 }, generator: generator) * 3 + 1;
            var labels = randint(0, 3, new long[] { InputBatchNormFold.MinimumBatchRows }, generator: generator);
            var expected = plain.forward(batch);
            var actual = InputBatchNormFold.Forward(folded, batch);
            AssertClose(expected, actual, 1e-5, $"output at step {step}");
            nn.functional.cross_entropy(expected, labels).backward();
            nn.functional.cross_entropy(actual, labels).backward();
        }

        var foldedParameters = folded.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in plain.named_parameters())
            AssertClose(parameter.grad!, foldedParameters[name].grad!, 1e-4, $"gradient of {name}");
        var foldedBuffers = folded.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, buffer) in plain.named_buffers())
        {
            if (buffer.dtype == ScalarType.Int64)
                Assert.Equal(buffer.item<long>(), foldedBuffers[name].item<long>());
            else
                AssertClose(buffer, foldedBuffers[name], 1e-5, $"buffer {name}");
        }
    }

    [Theory]
    [InlineData("no input batch norm")]
    [InlineData("evaluation")]
    [InlineData("cumulative average")]
    [InlineData("small batch")]
    public void Networks_it_does_not_fit_run_their_own_forward(string why)
    {
        using var network = Network(BatchNormalizationPlacement.BeforeActivation, inputBatchNorm: why != "no input batch norm");
        if (why == "evaluation")
            network.eval();
        if (why == "cumulative average")
            network.modules().OfType<BatchNorm1d>().First().momentum = null;
        using var scope = NewDisposeScope();
        var batch = randn(why == "small batch" ? InputBatchNormFold.MinimumBatchRows - 1 : InputBatchNormFold.MinimumBatchRows, 6);
        var expected = network.forward(batch);
        var actual = InputBatchNormFold.Forward(network, batch);
        Assert.True(expected.eq(actual).all().item<bool>(), "a network the fold does not apply to gave another output");
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        double scale = Math.Max(1, expected.abs().max().item<float>());
        double difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= tolerance * scale, $"{what}: max |difference| {difference:G3} over {tolerance * scale:G3}");
    }
}
