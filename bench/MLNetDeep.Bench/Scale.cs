using System.Diagnostics;
using System.Globalization;
using System.Reflection;
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
/// Figure 6: a synthetic N × 784 binary .idv (uncompressed, 3.1 GB at 1,000,000 rows) in a scratch folder, then
/// trained on in a fresh child process per configuration (rows, loading mode, shuffle buffer), so each one's
/// peak RSS (VmHWM) is its own. Streaming's peak should follow the shuffle buffer, not the rows.
/// </summary>
internal static class Scale
{
    private const int Width = 784;

    public static int Run(Args args)
    {
        if (args.Flag("--child"))
            return Child(args);
        string dir = Results.Directory(args);
        int rows = args.Int("--rows", 1_000_000);
        int epochs = args.Int("--epochs", 1);
        int threads = args.Int("--threads", 1);
        // rows:mode:buffer; rows beyond the file's are not possible, fewer take the file's first rows.
        var runs = args.List("--runs", $"{rows}:Streaming:65536,{rows / 4}:Streaming:65536,{rows}:Streaming:16384,{rows / 4}:InMemory:0");
        string scratch = args.Get("--scratch", Path.GetTempPath());
        string idv = Path.Combine(scratch, $"mlnetdeep-synthetic-{rows}.idv");
        string loadBefore = LoadAverage();

        var clock = Stopwatch.StartNew();
        string compression = "kept from an earlier run";
        if (!File.Exists(idv))
            compression = Write(idv, rows);
        double writeSeconds = clock.Elapsed.TotalSeconds;
        long bytes = new FileInfo(idv).Length;
        Console.WriteLine($"scale: {idv} {bytes / 1e9:F2} GB, {compression} ({writeSeconds:F0} s to write); load {loadBefore}");

        using var csv = new CsvWriter(Path.Combine(dir, "scale.csv"),
            "rows", "mode", "shuffle_buffer_rows", "fit_s", "epoch_s", "rows_per_s", "peak_rss_mib", "rss_before_fit_mib", "train_accuracy", "outcome");
        var md = new StringBuilder();
        md.AppendLine($"### Scale: synthetic × {Width} rows from a {bytes / 1e9:F2} GB binary .idv ({compression}), batch 256, 300-100 BN MLP, {epochs} epoch(s), {threads} thread(s)");
        md.AppendLine();
        md.AppendLine($"Load average before: {loadBefore}. Each row is a fresh process; peak RSS is its VmHWM. rows/s = rows / the epoch's seconds.");
        md.AppendLine();
        md.AppendLine("| rows | loading | shuffle buffer rows | data as float32 MiB | shuffle buffer MiB | Fit s | epoch s | rows/s | RSS before Fit MiB | **peak RSS MiB** | train accuracy | outcome |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var run in runs)
        {
            var parts = run.Split(':');
            int take = int.Parse(parts[0], CultureInfo.InvariantCulture);
            string mode = parts[1];
            int buffer = int.Parse(parts[2], CultureInfo.InvariantCulture);
            var result = RunChild(idv, take, mode, buffer, epochs, threads);
            double dataMiB = take * (Width + 1) * 4.0 / 1048576;
            double bufferMiB = mode == "Streaming" ? Math.Min(buffer, take) * (Width + 1) * 4.0 / 1048576 : 0;
            csv.Row(take, mode, buffer, result.FitSeconds, result.EpochSeconds, take / result.EpochSeconds, result.PeakMiB, result.BeforeMiB, result.Accuracy, result.Outcome);
            md.AppendLine($"| {take:N0} | {mode} | {(mode == "Streaming" ? buffer.ToString("N0", CultureInfo.InvariantCulture) : "–")} | {dataMiB:F0} | {bufferMiB:F0} | {result.FitSeconds:F0} | {result.EpochSeconds:F0} | " +
                $"{take / result.EpochSeconds:F0} | {result.BeforeMiB:F0} | **{result.PeakMiB:F0}** | {result.Accuracy:P1} | {result.Outcome} |");
        }
        md.AppendLine();
        md.AppendLine($"Load average after: {LoadAverage()}.");
        Results.Markdown(args, "scale.md", md.ToString());
        if (!args.Flag("--keep"))
            File.Delete(idv);
        return 0;
    }

    private sealed record ChildResult(double FitSeconds, double EpochSeconds, double PeakMiB, double BeforeMiB, double Accuracy, string Outcome);

    private static ChildResult RunChild(string idv, int rows, string mode, int buffer, int epochs, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(Scale).Assembly.Location, "scale", "--child", "--idv", idv, "--rows", rows.ToString(CultureInfo.InvariantCulture), "--mode", mode,
                     "--buffer", buffer.ToString(CultureInfo.InvariantCulture), "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string? result = null;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            Console.WriteLine("  " + line);
            if (line.StartsWith("RESULT ", StringComparison.Ordinal))
                result = line["RESULT ".Length..];
        }
        process.WaitForExit();
        if (result is null)
            return new ChildResult(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, $"child exited with {process.ExitCode} and no result");
        var f = result.Split('|');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return new ChildResult(D(0), D(1), D(2), D(3), D(4), f[5]);
    }

    /// <summary>One configuration, in this (fresh) process: prints "RESULT fit|epoch|VmHWM|RSS before|accuracy|outcome".</summary>
    private static int Child(Args args)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromBinary(args.Get("--idv", ""));
        int rows = args.Int("--rows", 0);
        if (data.GetRowCount() is long all && rows < all)
            data = ml.Data.TakeRows(data, rows);
        var (before, _) = Rss.Read();
        var clock = Stopwatch.StartNew();
        double epochSeconds = double.NaN, accuracy = double.NaN;
        string outcome;
        try
        {
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 300, 100 },
                BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
                Epochs = args.Int("--epochs", 1),
                BatchSize = 256,
                Seed = 1,
                NumberOfThreads = args.Int("--threads", 1),
                DataLoading = Enum.Parse<DataLoadingMode>(args.Get("--mode", "Streaming")),
                ShuffleBufferRows = Math.Max(1, args.Int("--buffer", 65536)),
                Shuffle = args.Get("--shuffle", "true") == "true",
            }).Fit(data);
            epochSeconds = model.History.Epochs[0].Seconds;
            accuracy = model.History.Epochs[^1].TrainMetric;
            outcome = "trained";
        }
        catch (Exception ex) when (ex is OutOfMemoryException or InvalidOperationException or OverflowException)
        {
            outcome = $"failed: {ex.GetType().Name}";
        }
        double fitSeconds = clock.Elapsed.TotalSeconds;
        var (_, peak) = Rss.Read();
        Console.WriteLine(FormattableString.Invariant($"RESULT {fitSeconds}|{epochSeconds}|{peak}|{before}|{accuracy}|{outcome}"));
        return 0;
    }

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>
    /// Writes the rows with ML.NET's binary saver. Uncompressed when the saver's internal options can be reached,
    /// so the file is the data's size (SaveAsBinary deflates it to about 88 %); else compressed, and it says so.
    /// </summary>
    private static string Write(string idv, int rows)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Generate(rows));
        using (var stream = File.Create(idv + ".tmp"))
        {
            var assembly = typeof(TextLoader).Assembly;
            var saverType = assembly.GetType("Microsoft.ML.Data.IO.BinarySaver");
            var argumentsType = saverType?.GetNestedType("Arguments", BindingFlags.Public | BindingFlags.NonPublic);
            var compression = argumentsType?.GetField("Compression");
            if (saverType is null || argumentsType is null || compression is null)
            {
                ml.Data.SaveAsBinary(data, stream, keepHidden: false);
                File.Move(idv + ".tmp", idv);
                return "deflate-compressed (SaveAsBinary)";
            }
            var arguments = Activator.CreateInstance(argumentsType)!;
            compression.SetValue(arguments, Enum.Parse(compression.FieldType, "None"));
            var saver = Activator.CreateInstance(saverType, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, null, new object[] { ml, arguments }, null)!;
            var save = saverType.GetMethod("SaveData", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)!;
            save.Invoke(saver, new object[] { stream, data, Enumerable.Range(0, data.Schema.Count).ToArray() });
        }
        File.Move(idv + ".tmp", idv);
        return "uncompressed (BinarySaver, Compression = None)";
    }

    /// <summary>Lazily generated rows (nothing held in memory): ten Gaussian-ish class prototypes plus uniform noise.</summary>
    private static IEnumerable<SyntheticRow> Generate(int rows)
    {
        var random = new Random(1);
        var prototypes = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, Width).Select(_ => random.NextSingle()).ToArray()).ToArray();
        for (int i = 0; i < rows; i++)
        {
            uint label = (uint)random.Next(10);
            var p = prototypes[label];
            var features = new float[Width];
            for (int j = 0; j < Width; j++)
                features[j] = 0.5f * p[j] + 0.5f * random.NextSingle();
            // A fresh object per row: ML.NET's enumerable view may read a row after the next one was produced.
            yield return new SyntheticRow { Features = features, Label = label }; // LoadFromEnumerable maps 0-based values to keys 1..10
        }
    }
}
