using System.Globalization;
using System.Text;
using MLNetDeep.Datasets;

namespace MLNetDeep.Bench;

/// <summary>"--name value" options of one subcommand; every figure's command line is printed with its results.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Unexpected argument '{list[i]}'.");
            if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
                _values[list[i]] = list[++i];
            else
                _flags.Add(list[i]);
        }
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public int[] Ints(string name, string fallback) =>
        Get(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    public string[] List(string name, string fallback) => Get(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries);
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>Nearest-rank percentile; benchmarks here have thousands of samples or report medians of few.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        if (p == 50 && sorted.Length % 2 == 0)
            return (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string F(double value, string format = "F3") => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Resident memory of this process from /proc/self/status, in MiB (VmRSS: now, VmHWM: peak so far).</summary>
internal static class Rss
{
    public static (double CurrentMiB, double PeakMiB) Read()
    {
        double rss = double.NaN, hwm = double.NaN;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                rss = Kib(line) / 1024.0;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                hwm = Kib(line) / 1024.0;
        }
        return (rss, hwm);
    }

    private static double Kib(string line) =>
        double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}

/// <summary>A CSV file in the results folder, written row by row so that an interrupted run keeps what it measured.</summary>
internal sealed class CsvWriter : IDisposable
{
    private readonly StreamWriter _writer;

    public CsvWriter(string path, params string[] header)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { AutoFlush = true };
        _writer.WriteLine(string.Join(",", header));
        Path_ = path;
    }

    public string Path_ { get; }

    public void Row(params object?[] values) =>
        _writer.WriteLine(string.Join(",", values.Select(v => v switch
        {
            null => "",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => Quote(v.ToString() ?? ""),
        })));

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    public void Dispose() => _writer.Dispose();
}

/// <summary>Fashion-MNIST, split as the notebook does (55k / 5k / 10k), from --data or the usual search.</summary>
internal static class BenchData
{
    public static FashionMnistArrays LoadArrays(Args args, int? maxTrainRows = null) =>
        FashionMnist.LoadArrays(new FashionMnistOptions
        {
            DataDirectory = FashionMnist.ResolveDataDirectory(args.Get("--data", null!), new FashionMnistOptions { AllowDownload = false }),
            AllowDownload = false,
            MaxTrainRows = maxTrainRows,
        });

    /// <summary>Row-major pixels / 255f, exactly what the loader's Features column holds.</summary>
    public static float[] Pixels(LabeledImages set) => set.ToScaledPixels();

    public static long[] Labels(LabeledImages set) => set.Labels.Select(b => (long)b).ToArray();
}

internal static class Results
{
    public static string Directory(Args args)
    {
        var dir = args.Get("--out", Path.Combine("bench", "results"));
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Appends a Markdown section to the run's summary file and echoes it.</summary>
    public static void Markdown(Args args, string name, string text)
    {
        var path = Path.Combine(Directory(args), name);
        File.WriteAllText(path, text);
        Console.WriteLine(text);
    }
}

/// <summary>The settings and data every bare-loop step (ablation, interleave) reads from its arguments.</summary>
internal sealed record LoopBenchSetup(string Dir, int Rounds, int Rows, int Threads, int[] Batches, float[] Pixels, long[] Labels)
{
    public static LoopBenchSetup From(Args args)
    {
        int rows = args.Int("--rows", 55_000);
        var data = BenchData.LoadArrays(args, rows);
        return new LoopBenchSetup(Results.Directory(args), args.Int("--rounds", 3), rows, args.Int("--threads", 2),
            args.Ints("--batches", "32,256"), BenchData.Pixels(data.Train), BenchData.Labels(data.Train));
    }
}
