using System.Diagnostics;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;

namespace MLNetDeep.Bench;

/// <summary>A synthetic row: 784 features and a 10-class key label.</summary>
internal sealed class SyntheticRow
{
    [VectorType(784)]
    public float[] Features { get; set; } = Array.Empty<float>();

    [KeyType(10)]
    public uint Label { get; set; }
}

/// <summary>
/// Figure 6 (stretch): a synthetic N × 784 binary .idv (≥ 3 GB at 1,000,000 rows) written by SaveAsBinary, then
/// streamed into the trainer, with resident memory sampled. Shows whether training memory is bounded by the
/// batch or grows with the data.
/// </summary>
internal static class Scale
{
    public static int Run(Args args)
    {
        string dir = Results.Directory(args);
        int rows = args.Int("--rows", 1_000_000);
        int epochs = args.Int("--epochs", 1);
        int threads = args.Int("--threads", 2);
        string idv = args.Get("--idv", Path.Combine(Path.GetTempPath(), $"mlnetdeep-synthetic-{rows}.idv"));
        var ml = new MLContext(seed: 1);

        var clock = Stopwatch.StartNew();
        if (!File.Exists(idv))
        {
            using var stream = File.Create(idv + ".tmp");
            ml.Data.SaveAsBinary(ml.Data.LoadFromEnumerable(Generate(rows)), stream, keepHidden: false);
            stream.Close();
            File.Move(idv + ".tmp", idv);
        }
        double writeSeconds = clock.Elapsed.TotalSeconds;
        long bytes = new FileInfo(idv).Length;
        Console.WriteLine($"scale: {idv} {bytes / 1e9:F2} GB ({writeSeconds:F0} s to write)");

        var data = ml.Data.LoadFromBinary(idv);
        var (before, _) = Rss.Read();
        double peak, fitSeconds;
        string outcome;
        using (var sampler = new RssSampler(100))
        {
            clock.Restart();
            try
            {
                using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
                {
                    HiddenLayers = new[] { 300, 100 },
                    BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
                    Epochs = epochs,
                    BatchSize = 256,
                    Seed = 1,
                    NumberOfThreads = threads,
                }).Fit(data);
                outcome = $"trained; epoch {model.History.Epochs[0].Seconds:F0} s, train accuracy {model.History.Epochs[^1].TrainMetric:P1}";
            }
            catch (Exception ex) when (ex is OutOfMemoryException or InvalidOperationException or OverflowException)
            {
                outcome = $"failed: {ex.GetType().Name}: {ex.Message}";
            }
            fitSeconds = clock.Elapsed.TotalSeconds;
            peak = sampler.PeakMiB;
        }
        var md = new StringBuilder();
        md.AppendLine($"### Scale: {rows:N0} × 784 synthetic rows from a {bytes / 1e9:F2} GB binary .idv, batch 256, {epochs} epoch(s)");
        md.AppendLine();
        md.AppendLine("| file GB | write s | Fit s | RSS before Fit MiB | peak RSS during Fit MiB | data as float32 MiB | outcome |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---|");
        md.AppendLine($"| {bytes / 1e9:F2} | {writeSeconds:F0} | {fitSeconds:F0} | {before:F0} | {peak:F0} | {rows * 785.0 * 4 / 1048576:F0} | {outcome} |");
        Results.Markdown(args, "scale.md", md.ToString());
        if (!args.Flag("--keep"))
            File.Delete(idv);
        return 0;
    }

    /// <summary>Lazily generated rows (nothing held in memory): ten Gaussian-ish class prototypes plus uniform noise.</summary>
    private static IEnumerable<SyntheticRow> Generate(int rows)
    {
        var random = new Random(1);
        var prototypes = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, 784).Select(_ => random.NextSingle()).ToArray()).ToArray();
        for (int i = 0; i < rows; i++)
        {
            uint label = (uint)random.Next(10);
            var p = prototypes[label];
            var features = new float[784];
            for (int j = 0; j < 784; j++)
                features[j] = 0.5f * p[j] + 0.5f * random.NextSingle();
            // A fresh object per row: ML.NET's enumerable view may read a row after the next one was produced.
            yield return new SyntheticRow { Features = features, Label = label }; // LoadFromEnumerable maps 0-based values to keys 1..10
        }
    }
}
