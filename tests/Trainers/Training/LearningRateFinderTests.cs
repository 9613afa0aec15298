using System.Reflection;
using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// The learning-rate finder sweeps exponentially, smooths with fastai's bias-corrected average, stops at 4× the lowest
/// smoothed loss, suggests a tenth of the minimum's rate, and leaves the options and later Fits exactly as they were.
/// </summary>
public sealed class LearningRateFinderTests
{
    private static IDataView Blobs() => SyntheticData.Blobs(new MLContext(seed: 0), 400, 12, classes: 3, seed: 5, spread: 1.5f).Data;

    private static DeepNeuralNetworkOptions Options() => new()
    {
        HiddenLayers = new[] { 32, 16 },
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        DropoutRate = 0.1,
        Epochs = 2,
        BatchSize = 16,
        ValidationFraction = 0.2,
        EarlyStopping = new EarlyStoppingOptions { Patience = 1 },
        LearningRateSchedule = new CosineDecaySchedule(40),
        NumberOfThreads = 1,
    };

    [Fact]
    public void TheSweepGrowsExponentiallySmoothsWithBiasCorrectionAndStopsAtFourTimesTheLowestLoss()
    {
        var trainer = new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(Options());
        var finder = new LearningRateFinderOptions { MinimumLearningRate = 1e-5, MaximumLearningRate = 100, Steps = 120 };
        var curve = trainer.FindLearningRate(Blobs(), finder);

        Assert.NotEqual(LearningRateSweepEnd.Completed, curve.End);
        int n = curve.LearningRates.Count;
        Assert.InRange(n, 10, 119);
        Assert.Equal(1e-5, curve.LearningRates[0], 12);
        double factor = Math.Pow(100 / 1e-5, 1.0 / 119);
        for (int i = 1; i < n; i++)
            Assert.Equal(factor, curve.LearningRates[i] / curve.LearningRates[i - 1], 9);

        double average = 0, lowest = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
        {
            average = 0.98 * average + 0.02 * curve.Losses[i];
            double smoothed = average / (1 - Math.Pow(0.98, i + 1));
            Assert.Equal(smoothed, curve.SmoothedLosses[i], 9);
            if (i < n - 1 || curve.End == LearningRateSweepEnd.LossNotFinite)
                Assert.True(i == 0 || smoothed <= 4 * lowest, $"step {i}: smoothed {smoothed} passed 4 x {lowest} without stopping");
            lowest = Math.Min(lowest, smoothed);
        }
        if (curve.End == LearningRateSweepEnd.LossAboveLimit)
            Assert.True(curve.SmoothedLosses[^1] > 4 * curve.SmoothedLosses.Min());

        int minimum = curve.SmoothedLosses.ToList().IndexOf(curve.SmoothedLosses.Min());
        Assert.Equal(curve.LearningRates[minimum], curve.MinimumLossLearningRate);
        Assert.Equal(curve.ValleyLearningRate, curve.SuggestedLearningRate);
        Assert.Contains(curve.SteepestDescentLearningRate, curve.LearningRates.Skip(Math.Min(10, minimum)).Take(minimum + 1 - Math.Min(10, minimum)));
        // Adam on well-separated blobs: the loss falls from about 1e-3 and blows up past about 1.
        Assert.InRange(curve.SuggestedLearningRate, 1e-4, 0.3);
    }

    [Fact]
    public void ASweepOverAGentleRangeRunsEveryStepAndEndsAtTheMaximumRate()
    {
        var trainer = new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(Options());
        var curve = trainer.FindLearningRate(Blobs(), new LearningRateFinderOptions { MinimumLearningRate = 1e-6, MaximumLearningRate = 1e-4, Steps = 40 });
        Assert.Equal(LearningRateSweepEnd.Completed, curve.End);
        Assert.Equal(40, curve.LearningRates.Count);
        Assert.Equal(1e-4, curve.LearningRates[^1], 12);
        Assert.All(curve.Losses, l => Assert.True(double.IsFinite(l) && l > 0));
    }

    [Fact]
    public void TheOptionsAndTheFingerprintAreUnchangedAndALaterFitIsBitIdentical()
    {
        var data = Blobs();
        var options = Options();
        options.Seed = null; // the seed comes from the context: the sweep must not draw from it either
        var before = Snapshot(options);
        string fingerprint = RunFingerprint.Text(options, 7, streamed: false).ToString();

        var context = new MLContext(seed: 3);
        var trainer = context.MulticlassClassification.Trainers.DeepNeuralNetwork(options);
        trainer.FindLearningRate(data, new LearningRateFinderOptions { Steps = 60 });
        var afterSweep = trainer.Fit(data);

        Assert.Equal(before, Snapshot(options));
        Assert.Equal(fingerprint, RunFingerprint.Text(options, 7, streamed: false).ToString());
        Assert.Empty(options.AdditionalCallbacks);

        var alone = new MLContext(seed: 3).MulticlassClassification.Trainers.DeepNeuralNetwork(Options()).Fit(data);
        Assert.Equal(Onnx(alone), Onnx(afterSweep));
        Assert.Equal(alone.History.Epochs.Select(e => e.TrainLoss), afterSweep.History.Epochs.Select(e => e.TrainLoss));
    }

    [Fact]
    public void TheSweepsChildEnvironmentKeepsTheContextsGpuChoice()
    {
        // The finder trains under Register(name, seed: 0) so that it draws no seed from the context; the GPU choice must carry over.
        var context = new MLContext(seed: 1) { GpuDeviceId = 2, FallbackToCpu = true };
        var child = ((Microsoft.ML.Runtime.IHostEnvironment)context).Register("LearningRateFinder", seed: 0);
        Assert.Equal(2, MLNetDeep.Transforms.Hosting.MLNetInternals.GpuDeviceId(child));
        Assert.True(MLNetDeep.Transforms.Hosting.MLNetInternals.FallbackToCpu(child));
    }

    [Fact]
    public void ThePlotIsAPngWrittenWithoutLeavingATemporaryFile()
    {
        using var folder = new TempDirectory();
        var trainer = new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 16 },
            BatchSize = 16,
            Seed = 2,
        });
        var curve = trainer.FindLearningRate(SyntheticData.Ring(new MLContext(seed: 0), 300, 4, seed: 1).Data, new LearningRateFinderOptions { Steps = 80 });
        string path = Path.Combine(folder.Path, "plots", "lr.png");
        curve.SavePlot(path);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4));
        Assert.True(bytes.Length > 5_000);
        Assert.Equal(new[] { path }, Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void BadSweepOptionsNameTheOptionAndTheAllowedRange()
    {
        var trainer = new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(Options());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            trainer.FindLearningRate(Blobs(), new LearningRateFinderOptions { MinimumLearningRate = 1, MaximumLearningRate = 0.5 }));
        Assert.Contains("LearningRateFinderOptions.MaximumLearningRate", error.Message);
        Assert.Contains("greater than MinimumLearningRate (1)", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.FindLearningRate(Blobs(), new LearningRateFinderOptions { Steps = 2 }));
        Assert.Contains("LearningRateFinderOptions.Steps", error.Message);
    }

    // Every public property's value; arrays by content, other references by identity (the same object must stay).
    private static List<string> Snapshot(DeepNeuralNetworkOptions options) =>
        typeof(DeepNeuralNetworkOptions).GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Select(p => (p.Name, Value: p.GetValue(options)))
            .Select(p => p.Name + "=" + p.Value switch
            {
                null => "null",
                Array array => string.Join(",", array.Cast<object>()),
                ValueType or string => p.Value.ToString(),
                _ => p.Value.GetType().Name + "#" + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(p.Value),
            })
            .ToList();

    [Fact]
    public void TheValleyIsHalfWayAlongTheLongestFallingStretchAsFastaiReadsIt()
    {
        // 100 steps: flat at 3 (steps 0-39), falling to 1 (40-79), then climbing (80-99). fastai leaves out the first
        // 10 steps and the last 5; the longest strictly falling subsequence is one flat step and the 40 falling ones (39-79),
        // fastai's start is one before it (38), and the suggestion is start + floor(41/3) + floor(41/3/2) = 38 + 13 + 6 = 57.
        var rates = Enumerable.Range(0, 100).Select(i => 1e-6 * Math.Pow(10, i / 20.0)).ToList();
        var smoothed = Enumerable.Range(0, 100).Select(i => i < 40 ? 3.0 : i < 80 ? 3.0 - 2.0 * (i - 39) / 40 : 1.0 + 0.1 * (i - 79)).ToList();
        var curve = new LearningRateCurve(rates, smoothed, smoothed, LearningRateSweepEnd.LossAboveLimit);

        Assert.Equal(rates[57], curve.ValleyLearningRate);
        Assert.Equal(rates[57], curve.SuggestedLearningRate);
        Assert.Equal(rates[79], curve.MinimumLossLearningRate);
        // The central differences are steepest (and equal) from step 40 to 78; the first of them is taken.
        Assert.Equal(rates[40], curve.SteepestDescentLearningRate);
    }

    private static byte[] Onnx(DeepNeuralNetworkTransformer model)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        return stream.ToArray();
    }
}
