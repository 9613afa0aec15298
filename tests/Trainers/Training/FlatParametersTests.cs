using Microsoft.ML;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Schedules;
using MLNetDeep.Trainers.Tests.Streaming;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Parameters laid out in one flat buffer train exactly as one tensor at a time does, for every optimizer and with
/// every callback that touches parameters or gradients, and the buffer frees what it creates.
/// </summary>
public sealed class FlatParametersTests
{
    private static readonly DeepNeuralNetworkOptions NetworkShape = new()
    {
        HiddenLayers = new[] { 7, 5 },
        Activation = ActivationFunction.PReLU,
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        InputBatchNormalization = true,
    };

    private static Sequential Network(int seed = 3)
    {
        using var generator = new Generator((ulong)seed);
        return NetworkBuilder.Build(NetworkShape, 6, 3, generator);
    }

    private static DeepNeuralNetworkOptions OptimizerOptions(OptimizerKind kind) => new()
    {
        Optimizer = kind,
        LearningRate = kind is OptimizerKind.Sgd or OptimizerKind.Momentum or OptimizerKind.Nesterov or OptimizerKind.AdaGrad ? 0.05 : 0.01,
        WeightDecay = 0.01,
    };

    /// <summary>Trains <paramref name="network"/> for a few steps on fixed data, with or without the flat buffer.</summary>
    private static void Train(Sequential network, OptimizerKind kind, bool flatLayout, int steps = 6)
    {
        using var generator = new Generator(5);
        using var x = randn(new long[] { 48, 6 }, generator: generator);
        using var y = randint(3, new long[] { 48 }, generator: generator);
        using var flat = flatLayout ? FlatParameters.Create(network) : null;
        using var optimizer = OptimizerFactory.Create(OptimizerOptions(kind), flat is null ? network.parameters() : new[] { flat.Parameter });
        network.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            if (flat is null)
                network.zero_grad();
            else
                flat.ZeroGradients();
            long start = step % 3 * 16;
            var loss = nn.functional.cross_entropy(network.forward(x.narrow(0, start, 16)), y.narrow(0, start, 16));
            loss.backward();
            optimizer.step();
        }
    }

    private static Dictionary<string, float[]> Values(nn.Module network) => network.state_dict()
        .Where(kv => kv.Value.is_floating_point())
        .ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Nesterov)]
    [InlineData(OptimizerKind.AdaGrad)]
    [InlineData(OptimizerKind.RmsProp)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Nadam)]
    [InlineData(OptimizerKind.AdamW)]
    public void FlatAndPerTensorOptimizersGiveBitIdenticalWeights(OptimizerKind kind)
    {
        using var perTensor = Network();
        using var flat = Network();
        var initial = Values(perTensor);
        Assert.Equal(initial, Values(flat));

        Train(perTensor, kind, flatLayout: false);
        Train(flat, kind, flatLayout: true);

        var expected = Values(perTensor);
        var actual = Values(flat);
        // Training moved every trainable tensor, so equality below is not two untouched copies agreeing.
        foreach (var (name, _) in perTensor.named_parameters())
            Assert.NotEqual(initial[name], expected[name]);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
            Assert.True(values.SequenceEqual(actual[name]), $"{kind}: '{name}' differs by up to {values.Zip(actual[name], (a, b) => Math.Abs(a - b)).Max():G3}");
    }

    [Fact]
    public void ParametersBecomeViewsOfOneBufferWithUnchangedValues()
    {
        using var network = Network();
        var before = Values(network);
        var parameters = network.parameters().ToList();
        using var flat = FlatParameters.Create(network);

        Assert.Equal(parameters.Count, flat.Count);
        Assert.Equal(parameters.Sum(p => p.numel()), flat.Length);
        Assert.Equal(before, Values(network));
        // Writing through the buffer changes the parameters, and backward fills the flat gradient.
        using (no_grad())
            flat.Parameter.add_(1f);
        Assert.Equal(before["output.weight"].Select(v => v + 1f), Values(network)["output.weight"]);
        using (NewDisposeScope())
        {
            network.forward(ones(4, 6)).sum().backward();
            Assert.True(flat.Parameter.grad!.abs().sum().item<float>() > 0);
            flat.ZeroGradients();
            Assert.All(network.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
        }
    }

    [Fact]
    public void FrozenParametersStayOutOfTheBufferAndUnchanged()
    {
        using var network = Network();
        var frozen = network.named_parameters().First(p => p.name == "output.weight").parameter;
        frozen.requires_grad = false;
        var frozenBefore = frozen.data<float>().ToArray();

        using var flat = FlatParameters.Create(network);
        Assert.Equal(network.parameters().Count() - 1, flat.Count);
        Train(network, OptimizerKind.AdamW, flatLayout: true);
        Assert.Equal(frozenBefore, frozen.data<float>().ToArray());
    }

    [Fact]
    public void ANetworkWithoutTrainableParametersIsRefused()
    {
        using var network = nn.Sequential(("relu", nn.ReLU()));
        var error = Assert.Throws<ArgumentException>(() => FlatParameters.Create(network));
        Assert.Contains("no trainable parameters", error.Message);
    }

    [Fact]
    public void CreatingAndDisposingTheBufferLeavesNoTensorAlive()
    {
        long baseline = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        using (var network = Network())
        {
            Train(network, OptimizerKind.Adam, flatLayout: true, steps: 2);
        }
        Assert.Equal(baseline, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }

    /// <summary>Options that exercise every callback touching parameters, gradients or optimizer groups.</summary>
    private static DeepNeuralNetworkOptions Everything(OptimizerKind kind, bool flatLayout) => new()
    {
        HiddenLayers = new[] { 16, 8 },
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        InputBatchNormalization = true,
        Optimizer = kind,
        LearningRate = 0.01,
        WeightDecay = 0.01,
        L1 = 1e-4,
        L2 = 1e-3,
        GradientClipNorm = 0.5,
        GradientClipValue = 0.05,
        MaxNorm = 1.5,
        Epochs = 4,
        BatchSize = 16,
        ValidationFraction = 0.2,
        // 1cycle changes the rate every step and cycles momentum (SGD) or β₁ (the Adam family).
        LearningRateSchedule = new OneCycleSchedule(totalSteps: 4 * 12),
        EarlyStopping = new EarlyStoppingOptions { Patience = 10 },
        Seed = 6,
        NumberOfThreads = 1,
        FlatParameterBuffer = flatLayout,
    };

    [Theory]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.AdamW)]
    public void FitGivesTheSameModelWithEitherLayout(OptimizerKind kind)
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Blobs(ml, 240, 6, 3, seed: 4);
        using var perTensor = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Everything(kind, false)).Fit(data);
        using var flat = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Everything(kind, true)).Fit(data);

        Assert.Equal(Values(perTensor.Network), Values(flat.Network));
        Assert.Equal(perTensor.History.Epochs.Select(e => (e.TrainLoss, e.TrainMetric, e.ValidationLoss, e.LearningRate)),
            flat.History.Epochs.Select(e => (e.TrainLoss, e.TrainMetric, e.ValidationLoss, e.LearningRate)));
        Assert.Equal(perTensor.History.BestEpoch, flat.History.BestEpoch);
        Assert.Equal(perTensor.GradientNorms.Select(g => g.MeanNormByLayer.OrderBy(kv => kv.Key).ToList()),
            flat.GradientNorms.Select(g => g.MeanNormByLayer.OrderBy(kv => kv.Key).ToList()));
        Assert.NotEmpty(flat.GradientNorms);
        // The exported ONNX graph scores as the network does, so both models score alike too.
        Assert.Equal(Scores(ml, perTensor, data), Scores(ml, flat, data));
    }

    private static float[][] Scores(MLContext ml, ITransformer model, IDataView data) =>
        ml.Data.CreateEnumerable<ScoreRow>(model.Transform(data), reuseRowObject: false).Select(r => r.Score).ToArray();

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
