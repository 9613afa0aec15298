using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 2: the machine's fp32 matmul rate through libtorch (TorchSharp) and PyTorch at the exact shapes of one
/// batch-256 training step of 784-300-100-10 (with the transposes autograd uses) and at large squares. Their sum is
/// the "matmul-only" epoch: the ceiling an epoch could reach if everything but the matmuls were free.
/// </summary>
internal static class Ceiling
{
    /// <summary>(name, m, k, n, transpose A, transpose B) for batch b: C[m,n] = op(A) @ op(B).</summary>
    public static List<(string Name, long M, long K, long N, bool TA, bool TB)> StepShapes(long b) => new()
    {
        ("fwd1 X·W1ᵀ", b, 784, 300, false, true),
        ("fwd2 H1·W2ᵀ", b, 300, 100, false, true),
        ("fwd3 H2·W3ᵀ", b, 100, 10, false, true),
        ("dW3 G3ᵀ·H2", 10, b, 100, true, false),
        ("dH2 G3·W3", b, 10, 100, false, false),
        ("dW2 G2ᵀ·H1", 100, b, 300, true, false),
        ("dH1 G2·W2", b, 100, 300, false, false),
        ("dW1 G1ᵀ·X", 300, b, 784, true, false),
    };

    public static int Run(Args args)
    {
        int threads = args.Int("--threads", 2);
        int rounds = args.Int("--rounds", 3);
        int batch = args.Int("--batch", 256);
        double minSeconds = args.Int("--min-ms", 300) / 1000.0;
        string python = args.Get("--python", "/usr/bin/python3");
        bool withPython = !args.Flag("--no-pytorch");
        string dir = Results.Directory(args);
        set_num_threads(threads);

        var shapes = StepShapes(batch);
        shapes.Add(("square 1024", 1024, 1024, 1024, false, false));
        shapes.Add(("square 2048", 2048, 2048, 2048, false, false));

        using var csv = new CsvWriter(Path.Combine(dir, "ceiling.csv"), "round", "engine", "shape", "m", "k", "n", "seconds_per_op", "gflops");
        var samples = new List<(string Engine, string Shape, double Seconds)>();
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var s in shapes)
            {
                double sec = TimeMatmul(s.M, s.K, s.N, s.TA, s.TB, minSeconds);
                samples.Add(("libtorch", s.Name, sec));
                csv.Row(round, "libtorch (TorchSharp)", s.Name, s.M, s.K, s.N, sec, 2.0 * s.M * s.K * s.N / sec / 1e9);
            }
            if (withPython)
            {
                foreach (var (name, sec) in RunPython(python, args, batch, threads, minSeconds))
                {
                    var s = shapes.First(x => x.Name == name);
                    samples.Add(("pytorch", name, sec));
                    csv.Row(round, "PyTorch 1.13", name, s.M, s.K, s.N, sec, 2.0 * s.M * s.K * s.N / sec / 1e9);
                }
            }
            Console.WriteLine($"  round {round} done");
        }

        var md = new StringBuilder();
        md.AppendLine($"### Matmul ceiling (fp32, {threads} threads, median of {rounds} rounds)");
        md.AppendLine();
        md.AppendLine("| shape | m×k×n | libtorch 2.10 (TorchSharp) GFLOP/s | PyTorch 1.13 GFLOP/s |");
        md.AppendLine("|---|---|---:|---:|");
        foreach (var s in shapes)
        {
            double G(string engine) => 2.0 * s.M * s.K * s.N / Stats.Median(samples.Where(x => x.Engine == engine && x.Shape == s.Name).Select(x => x.Seconds)) / 1e9;
            md.AppendLine($"| {s.Name} | {s.M}×{s.K}×{s.N} | {Stats.F(G("libtorch"), "F1")} | {(withPython ? Stats.F(G("pytorch"), "F1") : "")} |");
        }
        long rows = args.Int("--rows", 55_000);
        long steps = (rows + batch - 1) / batch;
        foreach (var engine in withPython ? new[] { "libtorch", "pytorch" } : new[] { "libtorch" })
        {
            double step = StepShapes(batch).Sum(s => Stats.Median(samples.Where(x => x.Engine == engine && x.Shape == s.Name).Select(x => x.Seconds)));
            double flop = Throughput.EpochFlop(rows);
            md.AppendLine();
            md.AppendLine($"{engine}: matmul-only batch-{batch} step {step * 1e3:F2} ms → matmul-only epoch ({rows:N0} rows, {steps} steps) {step * steps:F3} s = {flop / (step * steps) / 1e9:F1} GFLOP/s at the step's shapes.");
        }
        Results.Markdown(args, "ceiling.md", md.ToString());
        return 0;
    }

    /// <summary>Seconds per matmul: warm-up, then repeated calls for at least <paramref name="minSeconds"/>.</summary>
    public static double TimeMatmul(long m, long k, long n, bool ta, bool tb, double minSeconds)
    {
        using var scope = NewDisposeScope();
        var a = ta ? randn(k, m).t() : randn(m, k);
        var b = tb ? randn(n, k).t() : randn(k, n);
        for (int i = 0; i < 3; i++)
            a.matmul(b).Dispose();
        int reps = 0;
        var clock = Stopwatch.StartNew();
        // A fresh result each call, as in training; its allocation is negligible next to the product.
        while (clock.Elapsed.TotalSeconds < minSeconds || reps < 5)
        {
            a.matmul(b).Dispose();
            reps++;
        }
        return clock.Elapsed.TotalSeconds / reps;
    }

    private static IEnumerable<(string Name, double Seconds)> RunPython(string python, Args args, int batch, int threads, double minSeconds)
    {
        var script = Path.Combine(args.Get("--pytorch-dir", Path.Combine("bench", "pytorch")), "matmul.py");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--batch", batch.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture), "--min-seconds", minSeconds.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var results = new List<(string, double)>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) != null)
        {
            using var json = JsonDocument.Parse(line);
            results.Add((json.RootElement.GetProperty("name").GetString()!, json.RootElement.GetProperty("seconds").GetDouble()));
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}.");
        return results;
    }
}
