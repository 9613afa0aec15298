using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Hosting;

namespace MLNetDeep.Trainers.Tests.Native;

/// <summary>Fit sets glibc's malloc thresholds once per process before the first tensor, and says so in the log.</summary>
public class NativeAllocatorTuningTests
{
    [Fact]
    public void Fit_applies_the_malloc_thresholds_on_glibc_and_logs_them()
    {
        var ml = new MLContext(seed: 1);
        using var log = new LogCapture(ml);
        var (train, _) = SyntheticData.Blobs(ml, rows: 64, features: 4, classes: 2, seed: 1);
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 8 },
            Epochs = 1,
            Seed = 1,
        }).Fit(train);

        string? tunedBy = new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES" }
            .FirstOrDefault(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v)));
        string expected = !OperatingSystem.IsLinux() ? "native allocator left as it is (not Linux)."
            : tunedBy is not null ? $"native allocator left as it is ({tunedBy} is set)."
            : "glibc malloc: mmap threshold 32 MiB, trim threshold 64 MiB.";
        Assert.Contains(expected, log.All);
        // Once per process: a second call changes nothing and reports the same.
        Assert.Equal(expected, NativeAllocatorTuning.EnsureApplied() + ".");
    }

    [Fact]
    public void The_thresholds_change_no_result_a_process_trained_without_them_has_the_same_weights()
    {
        // MALLOC_TOP_PAD_ (at glibc's default value) makes Fit leave malloc alone: the same seeded training
        // with and without the tuning, each in its own process, must give the same bytes.
        byte[] tuned = TrainInProbe(null), untuned = TrainInProbe(("MALLOC_TOP_PAD_", "131072"));
        Assert.NotEmpty(tuned);
        Assert.True(tuned.AsSpan().SequenceEqual(untuned), "the weights differ with and without the malloc thresholds");
    }

    private static byte[] TrainInProbe((string Name, string Value)? environment)
    {
        using var folder = new TempDirectory();
        string weights = Path.Combine(folder.Path, "weights.bin");
        var start = TrainingProbeRunner.StartInfo(Path.Combine(folder.Path, "checkpoints"), 1, weights);
        foreach (var variable in new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES" })
            start.Environment.Remove(variable);
        if (environment is var (name, value))
            start.Environment[name] = value;
        TrainingProbeRunner.Run(start);
        return File.ReadAllBytes(weights);
    }
}
