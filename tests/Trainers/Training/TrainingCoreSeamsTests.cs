using Microsoft.ML;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Onnx.Export;
using MLNetDeep.Trainers.Training;
using MLNetDeep.Trainers.Training.Callbacks;
using SampleShape = MLNetDeep.Trainers.Training.SampleShape;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// The seams an estimator other than the MLP plugs into <see cref="TrainingCore"/>: its own network factory (sample
/// shape, penalised weights, parameter groups that change mid-training), export, batch augmentation, and batch
/// norms that are not TorchSharp modules.
/// </summary>
public sealed class TrainingCoreSeamsTests
{
    private const int Features = 16, Classes = 3;

    private static IDataView Data(MLContext ml) => SyntheticData.Blobs(ml, rows: 120, features: Features, classes: Classes, seed: 4).Data;

    private static TrainedNetwork Fit(TrainingOptions options, INetworkFactory factory, SampleShape? shape = null, IBatchAugmentation? augmentation = null,
        INetworkExport? export = null)
    {
        var ml = new MLContext(seed: 1);
        var task = new TrainingTask(new KeyLabelReader(), (column, _) => new MulticlassObjective(KeyLabelReader.ClassCount(column)));
        var core = new TrainingCore(options, task, factory, export, shape, augmentation);
        return core.Fit(ml, "seams test", Data(ml), trained => trained, (d, _) => new InvalidOperationException($"diverged at {d.Epoch}"), CancellationToken.None);
    }

    private static DeepNeuralNetworkOptions Mlp(Action<DeepNeuralNetworkOptions>? change = null)
    {
        // Every row trains, with no automatic hold-out (SmallDataDefaults).
        var o = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 8 }, Epochs = 3, BatchSize = 16, Seed = 3, NumberOfThreads = 1, LearningRate = 0.01, ValidationFraction = 0 };
        change?.Invoke(o);
        return o;
    }

    private static float[] Values(Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return c.data<float>().ToArray();
    }

    /// <summary>The MLP with its output layer alone trained in epoch 1, and the hidden layer unfrozen at a tenth of the rate from epoch 2.</summary>
    private sealed class UnfreezingFactory : INetworkFactory
    {
        private readonly MultilayerPerceptronFactory _mlp;
        private readonly string _outputGroupFromEpoch2;

        public UnfreezingFactory(DeepNeuralNetworkOptions options, string outputGroupFromEpoch2 = "output")
        {
            _mlp = new MultilayerPerceptronFactory(options);
            _outputGroupFromEpoch2 = outputGroupFromEpoch2;
        }

        public nn.Module<Tensor, Tensor> Create(SampleShape sampleShape, long outputWidth, TrainingOptions options, Generator generator) => _mlp.Create(sampleShape, outputWidth, options, generator);

        public IReadOnlyList<Tensor> PenalisedWeights(nn.Module<Tensor, Tensor> network) => _mlp.PenalisedWeights(network);

        public IReadOnlyList<ParameterGroup> ParameterGroups(nn.Module<Tensor, Tensor> network, int epoch)
        {
            var all = network.named_parameters().ToList();
            var output = all.Where(p => p.name.StartsWith("output.", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
            var hidden = all.Where(p => !p.name.StartsWith("output.", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
            return epoch == 1
                ? new[] { new ParameterGroup("output", output) }
                : new[] { new ParameterGroup(_outputGroupFromEpoch2, output), new ParameterGroup("hidden", hidden, 0.1) };
        }
    }

    /// <summary>Records, at every epoch's end, the weights and the optimizer's per-group rates, and each epoch's trainability.</summary>
    private sealed class Recorder : TrainingCallback
    {
        public List<(float[] Hidden, float[] Output)> Epochs { get; } = new();

        public List<double[]> Rates { get; } = new();

        public List<bool> HiddenTrainable { get; } = new();

        public (float[] Hidden, float[] Output) Initial { get; private set; }

        public override void OnTrainingBegin(TrainingState state) => Initial = Snapshot(state);

        public override void OnBatchEnd(TrainingState state)
        {
            if (HiddenTrainable.Count < state.Epoch)
                HiddenTrainable.Add(state.Network.get_parameter("hidden1.linear.weight")!.requires_grad);
        }

        public override void OnEpochEnd(TrainingState state, EpochRecord record)
        {
            Epochs.Add(Snapshot(state));
            Rates.Add(state.Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray());
        }

        private static (float[], float[]) Snapshot(TrainingState state) =>
            (Values(state.Network.get_parameter("hidden1.linear.weight")!), Values(state.Network.get_parameter("output.weight")!));
    }

    [Fact]
    public void UnfrozenGroupsTrainFromTheirEpochAtTheirOwnRate()
    {
        var options = Mlp();
        var recorder = new Recorder();
        options.AdditionalCallbacks.Add(recorder);
        using var trained = Fit(options, new UnfreezingFactory(options)).Network;

        Assert.Equal(new[] { false, true, true }, recorder.HiddenTrainable);
        // Epoch 1 trains the output layer alone; from epoch 2 the hidden layer moves too.
        Assert.Equal(recorder.Initial.Hidden, recorder.Epochs[0].Hidden);
        Assert.NotEqual(recorder.Initial.Output, recorder.Epochs[0].Output);
        Assert.NotEqual(recorder.Epochs[0].Hidden, recorder.Epochs[1].Hidden);
        Assert.Equal(new[] { 0.01 }, recorder.Rates[0]);
        Assert.Equal(new[] { 0.01, 0.01 * 0.1 }, recorder.Rates[1]);
    }

    [Fact]
    public void ChangingGroupsGiveTheSameWeightsWithFlatAndPerTensorLayouts()
    {
        // The flat layout moves kept groups' state as one tensor per group, the per-tensor one tensor by tensor:
        // the same arithmetic, so a wrong carry-over in either shows as a difference.
        var flat = Mlp();
        var perTensor = Mlp(o => o.FlatParameterBuffer = false);
        using var a = Fit(flat, new UnfreezingFactory(flat)).Network;
        using var b = Fit(perTensor, new UnfreezingFactory(perTensor)).Network;
        foreach (var (name, parameter) in a.named_parameters())
            Assert.True(OrtRunner.MaxAbsDiff(Values(parameter), Values(b.get_parameter(name)!)) <= 1e-5f, name);
    }

    [Fact]
    public void AKeptGroupKeepsItsOptimizerStateAndARenamedOneStartsAfresh()
    {
        var kept = Mlp();
        var renamed = Mlp();
        using var a = Fit(kept, new UnfreezingFactory(kept)).Network;
        using var b = Fit(renamed, new UnfreezingFactory(renamed, outputGroupFromEpoch2: "output-again")).Network;
        // Adam's moments and step count for the output layer survive the rebuild only when the group is the same.
        Assert.True(OrtRunner.MaxAbsDiff(Values(a.get_parameter("output.weight")!), Values(b.get_parameter("output.weight")!)) > 1e-4f);
    }

    [Fact]
    public void GroupsThatShareAParameterAreRefused()
    {
        var options = Mlp();
        var factory = new DelegatingFactory(new MultilayerPerceptronFactory(options),
            groups: (network, _) => new[] { new ParameterGroup("a", network.parameters().ToList()), new ParameterGroup("b", network.parameters().Take(1).ToList()) });
        var error = Assert.Throws<ArgumentException>(() => Fit(options, factory));
        Assert.Contains("in two groups (the second is 'b')", error.Message);
    }

    [Fact]
    public void OnlyThePenalisedWeightsTheFactoryNamesArePenalised()
    {
        var penalised = Mlp(o => o.L2 = 0.5);
        var unpenalised = Mlp();
        using var a = Fit(penalised, new DelegatingFactory(new MultilayerPerceptronFactory(penalised), penalisedWeights: _ => Array.Empty<Tensor>())).Network;
        using var b = Fit(unpenalised, new MultilayerPerceptronFactory(unpenalised)).Network;
        foreach (var (name, parameter) in a.named_parameters())
            Assert.Equal(Values(parameter), Values(b.get_parameter(name)!));

        using var c = Fit(penalised, new MultilayerPerceptronFactory(penalised)).Network;
        Assert.NotEqual(Values(c.get_parameter("output.weight")!), Values(b.get_parameter("output.weight")!));
    }

    /// <summary>Flips every other sample left to right, choosing with the loop's generator, and counts its calls.</summary>
    private sealed class RandomFlip : IBatchAugmentation
    {
        public int Calls { get; private set; }

        public List<long[]> Shapes { get; } = new();

        public Tensor Augment(Tensor samples, Generator generator)
        {
            Calls++;
            Shapes.Add(samples.shape);
            var flip = rand(new[] { samples.shape[0], 1L, 1L, 1L }, generator: generator).lt(0.5);
            return where(flip, samples.flip(3), samples);
        }
    }

    private sealed class ConvFactory : INetworkFactory
    {
        public nn.Module<Tensor, Tensor> Create(SampleShape sampleShape, long outputWidth, TrainingOptions options, Generator generator)
        {
            Assert.Equal(new long[] { 1, 4, 4 }, sampleShape.Dimensions);
            var conv = nn.Conv2d(1, 2, 3, padding: 1);
            var dense = nn.Linear(2 * 4 * 4, outputWidth);
            using (no_grad())
            {
                WeightInitialization.Initialize(conv.weight!, WeightInitializer.HeNormal, generator);
                WeightInitialization.Initialize(dense.weight!, WeightInitializer.GlorotUniform, generator);
            }
            return nn.Sequential(("conv", conv), ("act", nn.ReLU()), ("flatten", nn.Flatten()), ("output", dense));
        }

        public IReadOnlyList<Tensor> PenalisedWeights(nn.Module<Tensor, Tensor> network) => new[] { (Tensor)network.get_parameter("output.weight")! };
    }

    [Fact]
    public void SamplesReachTheNetworkInTheirShapeAugmentedOnlyInTraining()
    {
        var options = Mlp(o => o.ValidationFraction = 0.25);
        var flip = new RandomFlip();
        var shape = new SampleShape(1, 4, 4);
        var first = Fit(options, new ConvFactory(), shape, flip);
        using var network = first.Network;
        // 90 training rows in batches of 16: 6 batches an epoch, 3 epochs; validation and statistics are never augmented.
        Assert.Equal(18, flip.Calls);
        Assert.All(flip.Shapes, s => Assert.Equal(new long[] { 1, 4, 4 }, s[1..]));

        // The flips draw from the seeded generator: the same seed gives the same weights.
        using var again = Fit(Mlp(o => o.ValidationFraction = 0.25), new ConvFactory(), shape, new RandomFlip()).Network;
        foreach (var (name, parameter) in network.named_parameters())
            Assert.Equal(Values(parameter), Values(again.get_parameter(name)!));

        // The default export reads [N, 1, 4, 4] and computes what the trained network does.
        var rows = ExportParity.RandomRows(new long[] { 1, 4, 4 }, 5, seed: 2);
        var torchOut = ExportParity.RunTorch(network, rows, new long[] { 5, 1, 4, 4 });
        var onnxOut = ExportParity.RunOnnx(first.OnnxModel, new OnnxExportOptions { InputName = "Features", OutputName = TrainingCore.NetworkOutputColumnName }, rows, new long[] { 5, 1, 4, 4 });
        var softmax = torchOut.Values.Chunk(Classes).SelectMany(r => { var e = r.Select(v => Math.Exp(v - r.Max())).ToArray(); return e.Select(v => (float)(v / e.Sum())); }).ToArray();
        Assert.True(ExportParity.MaxAbsoluteDifference(softmax, onnxOut.Values) <= 1e-5f);
    }

    [Fact]
    public void ASampleShapeOfAnotherSizeThanTheFeaturesIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => Fit(Mlp(), new ConvFactory(), new SampleShape(3, 4, 4)));
        Assert.Contains("'Features' has 16 values per row", error.Message);
        Assert.Contains("[3, 4, 4] (48 values)", error.Message);
    }

    /// <summary>A batch norm over features written by hand, as an imported graph's node is: not a TorchSharp BatchNorm module.</summary>
    private sealed class HandMadeBatchNorm : nn.Module<Tensor, Tensor>, IBatchNormLayerSource
    {
        private readonly Layer _layer;
        private bool? _override;

        public HandMadeBatchNorm(long features, bool frozen) : base(nameof(HandMadeBatchNorm))
        {
            register_buffer("mean", zeros(features));
            register_buffer("variance", ones(features));
            _layer = new Layer(this, frozen);
        }

        public IReadOnlyList<IBatchNormLayer> BatchNormLayers => new[] { _layer };

        public double Momentum { get; set; } = 0.1;

        public override void train(bool train = true)
        {
            _override = null;
            base.train(train);
        }

        public override Tensor forward(Tensor input) =>
            nn.functional.batch_norm(input, get_buffer("mean")!, get_buffer("variance")!, training: _override ?? training, momentum: Momentum, eps: 1e-5);

        private sealed class Layer : IBatchNormLayer
        {
            private readonly HandMadeBatchNorm _owner;

            public Layer(HandMadeBatchNorm owner, bool frozen)
            {
                _owner = owner;
                Frozen = frozen;
            }

            public string Name => "hand-made";

            public Tensor RunningMean => _owner.get_buffer("mean")!;

            public Tensor RunningVariance => _owner.get_buffer("variance")!;

            public Tensor? BatchesTracked => null;

            public double? Momentum
            {
                get => _owner.Momentum;
                set => _owner.Momentum = value ?? 0.1;
            }

            public bool Frozen { get; }

            public void SetTraining(bool training) => _owner._override = training;
        }
    }

    /// <summary>An export step that only records what it was given: the hand-made batch norm has no ONNX exporter.</summary>
    private sealed class RecordingExport : INetworkExport
    {
        public SampleShape? Shape { get; private set; }

        public byte[] Export(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? head, SampleShape sampleShape, string inputName, string outputName)
        {
            Assert.False(network.training);
            Assert.NotNull(head);
            Assert.Equal("Features", inputName);
            Shape = sampleShape;
            return new byte[] { 1, 2, 3 };
        }
    }

    private sealed class BatchNormFactory : INetworkFactory
    {
        private readonly bool _frozen;

        public BatchNormFactory(bool frozen) => _frozen = frozen;

        public HandMadeBatchNorm? BatchNorm { get; private set; }

        public nn.Module<Tensor, Tensor> Create(SampleShape sampleShape, long outputWidth, TrainingOptions options, Generator generator)
        {
            BatchNorm = new HandMadeBatchNorm(sampleShape.ElementCount, _frozen);
            return nn.Sequential(("bn", BatchNorm), ("output", nn.Linear(sampleShape.ElementCount, outputWidth)));
        }

        public IReadOnlyList<Tensor> PenalisedWeights(nn.Module<Tensor, Tensor> network) => Array.Empty<Tensor>();
    }

    [Fact]
    public void PreciseStatisticsReachABatchNormThatIsNotATorchSharpModule()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Blobs(ml, rows: 120, features: Features, classes: Classes, seed: 4).Rows;
        var factory = new BatchNormFactory(frozen: false);
        var export = new RecordingExport();
        var trained = Fit(Mlp(), factory, export: export);
        using var network = trained.Network;
        Assert.Equal(new byte[] { 1, 2, 3 }, trained.OnnxModel);
        Assert.Equal(new long[] { Features }, export.Shape!.Dimensions);
        // 120 rows are all used: the statistics are the features' exact mean and unbiased variance.
        var features = rows.Select(r => r.Features).ToArray();
        var mean = Enumerable.Range(0, Features).Select(j => features.Average(f => (double)f[j])).ToArray();
        var variance = Enumerable.Range(0, Features).Select(j => features.Sum(f => Math.Pow(f[j] - mean[j], 2)) / (features.Length - 1)).ToArray();
        var running = Values(factory.BatchNorm!.get_buffer("mean")!);
        var runningVariance = Values(factory.BatchNorm.get_buffer("variance")!);
        for (int j = 0; j < Features; j++)
        {
            Assert.Equal(mean[j], running[j], 4);
            Assert.Equal(variance[j], runningVariance[j], 3);
        }
    }

    [Fact]
    public void AFrozenBatchNormKeepsItsStatisticsAndNormalizesWithThemWhileTraining()
    {
        var factory = new BatchNormFactory(frozen: true);
        using var network = Fit(Mlp(), factory, export: new RecordingExport()).Network;
        Assert.All(Values(factory.BatchNorm!.get_buffer("mean")!), m => Assert.Equal(0f, m));
        Assert.All(Values(factory.BatchNorm.get_buffer("variance")!), v => Assert.Equal(1f, v));
    }

    private sealed class DelegatingFactory : INetworkFactory
    {
        private readonly INetworkFactory _inner;
        private readonly Func<nn.Module<Tensor, Tensor>, IReadOnlyList<Tensor>>? _penalisedWeights;
        private readonly Func<nn.Module<Tensor, Tensor>, int, IReadOnlyList<ParameterGroup>>? _groups;

        public DelegatingFactory(INetworkFactory inner, Func<nn.Module<Tensor, Tensor>, IReadOnlyList<Tensor>>? penalisedWeights = null,
            Func<nn.Module<Tensor, Tensor>, int, IReadOnlyList<ParameterGroup>>? groups = null)
        {
            _inner = inner;
            _penalisedWeights = penalisedWeights;
            _groups = groups;
        }

        public nn.Module<Tensor, Tensor> Create(SampleShape sampleShape, long outputWidth, TrainingOptions options, Generator generator) => _inner.Create(sampleShape, outputWidth, options, generator);

        public IReadOnlyList<Tensor> PenalisedWeights(nn.Module<Tensor, Tensor> network) => _penalisedWeights?.Invoke(network) ?? _inner.PenalisedWeights(network);

        public IReadOnlyList<ParameterGroup> ParameterGroups(nn.Module<Tensor, Tensor> network, int epoch) =>
            _groups?.Invoke(network, epoch) ?? _inner.ParameterGroups(network, epoch);
    }
}
