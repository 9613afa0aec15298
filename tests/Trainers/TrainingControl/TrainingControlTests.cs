using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Schedules;
using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Trainers.Tests.TrainingControl;

/// <summary>Schedules, clipping, constraints, diagnostics, divergence, progress, cancellation and MC dropout, through the real trainer.</summary>
public sealed class TrainingControlTests
{
    private static (MLContext Ml, IDataView Data) Blobs(int rows = 256, int features = 8)
    {
        var ml = new MLContext(seed: 1);
        return (ml, SyntheticData.Blobs(ml, rows, features, classes: 3, seed: 4, spread: 1.2f).Data);
    }

    private static DeepNeuralNetworkOptions Small(Action<DeepNeuralNetworkOptions>? configure = null)
    {
        // Every row trains, with no automatic hold-out (SmallDataDefaults).
        var options = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 16, 8 }, Epochs = 4, BatchSize = 32, Seed = 2, ValidationFraction = 0 };
        configure?.Invoke(options);
        return options;
    }

    [Fact]
    public void EpochScheduleSetsTheRateOfEachEpoch()
    {
        var (ml, data) = Blobs();
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o =>
        {
            o.LearningRate = 0.01;
            o.LearningRateSchedule = new ExponentialDecaySchedule(decaySteps: 2) { Interval = ScheduleInterval.Epoch };
        })).Fit(data);
        var rates = model.History.Epochs.Select(e => e.LearningRate).ToArray();
        for (int e = 0; e < rates.Length; e++)
            Assert.Equal(0.01 * Math.Pow(0.1, e / 2.0), rates[e], 9);
    }

    [Fact]
    public void StepScheduleReportsTheRateOfTheEpochsLastStep()
    {
        var (ml, data) = Blobs(rows: 256);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o =>
        {
            o.LearningRate = 0.01;
            o.LearningRateSchedule = new CosineDecaySchedule(decaySteps: 40);
        })).Fit(data);
        // 256 rows / 32 = 8 steps per epoch; the last step of epoch e ran at t = 8e − 1.
        var schedule = new CosineDecaySchedule(40);
        for (int e = 1; e <= 4; e++)
            Assert.Equal(schedule.LearningRate(0.01, 8 * e - 1), model.History.Epochs[e - 1].LearningRate, 9);
    }

    [Fact]
    public void ClippingByNormBoundsTheGlobalGradientNorm()
    {
        using var network = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2));
        using var x = randn(16, 4).mul(100);
        using var loss = network.forward(x).square().sum();
        loss.backward();
        double before = GlobalNorm(network);
        Assert.True(before > 10, $"the setup should produce large gradients, got {before}");

        var state = StateFor(network);
        var clipper = new GradientClipper(maxNorm: 0.5, maxValue: null);
        clipper.OnTrainingBegin(state);
        clipper.OnAfterBackward(state);
        Assert.InRange(GlobalNorm(network), 0.49, 0.5 + 1e-5);
    }

    [Fact]
    public void ClippingByValueBoundsEveryComponent()
    {
        using var network = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2));
        using var loss = network.forward(randn(16, 4).mul(100)).square().sum();
        loss.backward();
        var state = StateFor(network);
        var clipper = new GradientClipper(maxNorm: null, maxValue: 0.01);
        clipper.OnTrainingBegin(state);
        clipper.OnAfterBackward(state);
        Assert.All(network.parameters(), p => Assert.True(p.grad!.abs().max().item<float>() <= 0.01f + 1e-7f));
        Assert.Contains(network.parameters(), p => p.grad!.abs().max().item<float>() >= 0.0099f);
    }

    [Fact]
    public void MaxNormKeepsEveryUnitsIncomingWeightsWithinTheRadius()
    {
        var (ml, data) = Blobs();
        using var free = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.LearningRate = 0.05)).Fit(data);
        using var constrained = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => { o.LearningRate = 0.05; o.MaxNorm = 0.5; })).Fit(data);
        Assert.True(MaxRowNorm(free) > 0.6, "without the constraint some unit should exceed the radius");
        Assert.True(MaxRowNorm(constrained) <= 0.5 + 1e-5, $"max row norm {MaxRowNorm(constrained)}");
    }

    [Fact]
    public void GradientNormsShowVanishingGradientsInADeepSigmoidNetButNotWithReluAndHe()
    {
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        var data = SyntheticData.Blobs(ml, 256, 8, 3, seed: 4).Data;
        var deep = Enumerable.Repeat(32, 20).ToArray();

        using var sigmoid = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => { o.HiddenLayers = deep; o.Activation = ActivationFunction.Sigmoid; o.Epochs = 1; })).Fit(data);
        using var relu = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => { o.HiddenLayers = deep; o.Activation = ActivationFunction.ReLU; o.WeightInitializer = WeightInitializer.HeNormal; o.Epochs = 1; })).Fit(data);

        double Ratio(DeepNeuralNetworkTransformer m)
        {
            var norms = m.GradientNorms.Single().MeanNormByLayer;
            Assert.Equal(21, norms.Count);
            return norms["hidden1.linear"] / norms["output"];
        }
        Assert.True(Ratio(sigmoid) < 1e-3, $"sigmoid first/last ratio {Ratio(sigmoid)}");
        Assert.True(Ratio(relu) > 1e-3 && Ratio(relu) < 1e3, $"ReLU+He first/last ratio {Ratio(relu)}");
        lock (warnings)
            Assert.Single(warnings, w => w.Contains("Vanishing gradients at epoch 1"));
    }

    [Fact]
    public void DivergenceNamesEpochAndStepAndKeepsTheLastGoodModel()
    {
        var (ml, data) = Blobs();
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o =>
        {
            o.Optimizer = OptimizerKind.Sgd;
            o.RecordGradientNorms = false;
            // A sane first epoch, then a rate that blows the weights up.
            o.LearningRateSchedule = new PiecewiseConstantSchedule(new long[] { 1 }, new[] { 0.01, 1e12 });
        }));
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
        Assert.Equal(2, error.Epoch);
        Assert.InRange(error.Step, 9, 16);
        Assert.Contains("epoch 2", error.Message);
        Assert.Contains($"step {error.Step}", error.Message);
        Assert.Contains("learning rate", error.Message);

        var best = Assert.IsAssignableFrom<MulticlassDeepNeuralNetworkTransformer>(error.BestModel);
        Assert.Single(best.History.Epochs);
        Assert.Equal(1, best.History.BestEpoch);
        var scores = best.Transform(data).GetColumn<float[]>("Score").ToArray();
        Assert.All(scores, s => Assert.All(s, v => Assert.True(float.IsFinite(v))));
        Assert.True(NetworkParity.MulticlassMaxDiff(best, data) <= 1e-5);
        best.Dispose();
    }

    [Fact]
    public void DivergenceInTheFirstEpochHasNoModelToKeep()
    {
        var (ml, data) = Blobs();
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => { o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 1e12; }));
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
        Assert.Equal(1, error.Epoch);
        Assert.Null(error.BestModel);
        Assert.Contains("No epoch had completed", error.Message);
    }

    [Fact]
    public void ProgressReceivesOneReportPerEpoch()
    {
        var (ml, data) = Blobs();
        var reports = new List<EpochReport>();
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.Progress = new SynchronousProgress(reports.Add))).Fit(data);
        Assert.Equal(new[] { 1, 2, 3, 4 }, reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.Equal(4, r.TotalEpochs));
        Assert.Equal(model.History.Epochs, reports.Select(r => r.Record));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.Elapsed >= p.First.Elapsed));
    }

    [Fact]
    public void CancellationStopsWithinOneBatch()
    {
        var (ml, data) = Blobs(rows: 512);
        using var cancellation = new CancellationTokenSource();
        var counter = new BatchCounter(cancelAt: 5, cancellation);
        var options = Small(o => o.Epochs = 50);
        options.AdditionalCallbacks.Add(counter);
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options);
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, cancellation.Token));
        Assert.Equal(5, counter.BatchesStarted);
    }

    [Fact]
    public void MonteCarloDropoutAveragesStochasticPassesAndReportsSpread()
    {
        var (ml, data) = Blobs();
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small(o => o.DropoutRate = 0.3)).Fit(data);
        var first = model.PredictWithMonteCarloDropout(data, samples: 30, seed: 5);
        var again = model.PredictWithMonteCarloDropout(data, samples: 30, seed: 5);
        Assert.Equal(256, first.Count);
        Assert.All(first, p => Assert.Equal(1.0, p.Mean.Sum(), 4));
        Assert.Contains(first, p => p.StandardDeviation.Max() > 1e-3);
        Assert.Equal(first.Select(p => p.Mean), again.Select(p => p.Mean));

        // One sample has no spread; the deterministic scores are left untouched afterwards.
        Assert.All(model.PredictWithMonteCarloDropout(data, samples: 1), p => Assert.All(p.StandardDeviation, s => Assert.Equal(0f, s)));
        Assert.True(NetworkParity.MulticlassMaxDiff(model, data) <= 1e-5);
    }

    [Fact]
    public void MonteCarloDropoutWithoutDropoutEqualsTheScores()
    {
        var (ml, data) = Blobs();
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Small()).Fit(data);
        var mc = model.PredictWithMonteCarloDropout(data, samples: 3);
        var scores = model.Transform(data).GetColumn<float[]>("Score").ToArray();
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.All(mc[i].StandardDeviation, s => Assert.Equal(0f, s, 6));
            Assert.Equal(scores[i], mc[i].Mean, (a, b) => Math.Abs(a - b) <= 1e-5);
        }
    }

    private static double GlobalNorm(nn.Module network) =>
        Math.Sqrt(network.parameters().Sum(p => Math.Pow(p.grad!.norm().item<float>(), 2)));

    private static double MaxRowNorm(DeepNeuralNetworkTransformer model) =>
        model.Network.modules().OfType<TorchSharp.Modules.Linear>().Max(l => l.weight!.norm(1).max().item<float>());

    private static TrainingState StateFor(nn.Module<Tensor, Tensor> network)
    {
        var options = new DeepNeuralNetworkOptions();
        return new TrainingState(network, optim.SGD(network.parameters(), 0.1), options,
            new MLNetDeep.Trainers.MulticlassObjective(2), new MLNetDeep.Trainers.Hosting.TrainingHost(new MLContext(), "test"), new Generator(1), false);
    }

    /// <summary>Invokes synchronously, unlike <see cref="Progress{T}"/>, which posts to the thread pool.</summary>
    private sealed class SynchronousProgress : IProgress<EpochReport>
    {
        private readonly Action<EpochReport> _report;

        public SynchronousProgress(Action<EpochReport> report) => _report = report;

        public void Report(EpochReport value) => _report(value);
    }

    /// <summary>Cancels the token after a given batch and counts the batches that start.</summary>
    private sealed class BatchCounter : TrainingCallback
    {
        private readonly int _cancelAt;
        private readonly CancellationTokenSource _source;

        public BatchCounter(int cancelAt, CancellationTokenSource source)
        {
            _cancelAt = cancelAt;
            _source = source;
        }

        public int BatchesStarted { get; private set; }

        public override void OnBatchBegin(TrainingState state) => BatchesStarted++;

        public override void OnBatchEnd(TrainingState state)
        {
            if (BatchesStarted == _cancelAt)
                _source.Cancel();
        }
    }
}
