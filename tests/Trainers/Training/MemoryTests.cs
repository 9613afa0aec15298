using System.Globalization;
using Microsoft.ML;
using TorchSharp;
using Xunit.Abstractions;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// No TorchSharp tensor outlives Fit and Dispose, and resident memory stays flat from epoch to epoch.
/// The 20-epoch Fashion-MNIST soak is bench/reliability; its figures are in docs/reliability.md.
/// </summary>
public sealed class MemoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _checkpoints = Directory.CreateTempSubdirectory("mlnetdeep-memory-").FullName;

    public void Dispose() => Directory.Delete(_checkpoints, recursive: true);

    /// <summary>
    /// Tensors created minus tensors disposed on this thread, as TorchSharp counts them. Fit runs on the calling
    /// thread, so a tensor it leaves to the finalizer (or never frees) keeps this above its starting value.
    /// </summary>
    private static long LiveTensors => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    private DeepNeuralNetworkOptions EverythingOn(string? checkpoints) => new()
    {
        HiddenLayers = new[] { 16, 8 },
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        InputBatchNormalization = true,
        DropoutRate = 0.2,
        L1 = 1e-4,
        L2 = 1e-4,
        Epochs = 4,
        BatchSize = 16,
        ValidationFraction = 0.2,
        EarlyStopping = new EarlyStoppingOptions { Patience = 10 },
        LearningRateSchedule = new ReduceOnPlateauSchedule { Patience = 1 },
        GradientClipNorm = 1,
        MaxNorm = 3,
        CheckpointDirectory = checkpoints,
        Seed = 2,
    };

    [Fact]
    [Trait("Reliability", "M-01")]
    public void EveryTensorFitCreatesIsFreedByFitOrDispose()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.Blobs(ml, 200, 8, classes: 3, seed: 6).Data;
        // One run first, so that anything libtorch creates once per process is not counted.
        ml.MulticlassClassification.Trainers.DeepNeuralNetwork(EverythingOn(null)).Fit(data).Dispose();

        long baseline = LiveTensors;
        var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(EverythingOn(Path.Combine(_checkpoints, "a"))).Fit(data);
        long whileAlive = LiveTensors;
        model.PredictWithMonteCarloDropout(data, samples: 3, seed: 1);
        model.Transform(data).Preview(10);
        model.Dispose();
        long after = LiveTensors;
        // Resuming reads the checkpoint's tensors back.
        ml.MulticlassClassification.Trainers.DeepNeuralNetwork(EverythingOn(Path.Combine(_checkpoints, "a"))).Fit(data).Dispose();
        long afterResume = LiveTensors;
        output.WriteLine($"live tensors: baseline {baseline}, model alive {whileAlive}, after Dispose {after}, after a resumed Fit {afterResume}");
        Assert.True(whileAlive > baseline, "the live model holds its parameters");
        Assert.Equal(baseline, after);
        Assert.Equal(baseline, afterResume);
    }

    [Fact]
    [Trait("Reliability", "M-02")]
    public void ADivergedRunFreesItsTensorsOnceBestModelIsDisposed()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.Blobs(ml, 200, 8, classes: 3, seed: 6).Data;
        var options = EverythingOn(null);
        options.GradientClipNorm = null;
        options.MaxNorm = null;
        options.Optimizer = OptimizerKind.Sgd;
        options.LearningRateSchedule = new PiecewiseConstantSchedule(new long[] { 1 }, new[] { 0.01, 1e30 });
        ml.MulticlassClassification.Trainers.DeepNeuralNetwork(EverythingOn(null)).Fit(data).Dispose();

        long baseline = LiveTensors;
        var error = Assert.Throws<TrainingDivergedException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data));
        Assert.NotNull(error.BestModel);
        error.BestModel!.Dispose();
        Assert.Equal(baseline, LiveTensors);
    }

    [Fact]
    [Trait("Reliability", "M-03")]
    public void ResidentMemoryStaysFlatAcrossEpochs()
    {
        // 10,000 rows, 12 epochs: memory grows in the first epochs (allocator pools, JIT, GC heap sizing), then
        // must stay put. Epoch 10 against epoch 2 leaves room for that warm-up but not for a per-epoch leak.
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.Blobs(ml, 10_000, 32, classes: 5, seed: 7, spread: 2f).Data;
        var rss = new List<long>();
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 64, 32 },
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            DropoutRate = 0.2,
            Epochs = 12,
            BatchSize = 64,
            ValidationFraction = 0.1,
            Seed = 3,
            Progress = new Recorder(_ => rss.Add(ResidentKilobytes())),
        }).Fit(data);
        output.WriteLine("RSS per epoch (MiB): " + string.Join(", ", rss.Select(k => (k / 1024.0).ToString("F1", CultureInfo.InvariantCulture))));
        Assert.Equal(12, rss.Count);
        Assert.True(rss[9] <= rss[1] * 1.10, $"RSS grew from {rss[1]} kB after epoch 2 to {rss[9]} kB after epoch 10");
    }

    /// <summary>VmRSS from /proc/self/status, in kB.</summary>
    internal static long ResidentKilobytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Invokes synchronously on the training thread, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class Recorder(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
