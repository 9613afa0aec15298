using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using MLNetDeep.Trainers;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 1: epoch time of the MLP at each batch size for (a) the trainer through the public API, (b) the bare
/// TorchSharp loop, (c) PyTorch, alternated round by round in one run so that load from other processes hits all
/// three alike. Epoch 1 of every run is warm-up and left out of the medians.
/// </summary>
internal static class Throughput
{
    public static readonly int[] Hidden = { 300, 100 };

    /// <summary>Matmul FLOP of one training epoch of 784-300-100-10 over <paramref name="rows"/> rows.</summary>
    /// <remarks>
    /// Forward is 2·N·in·out per dense layer; backward adds the weight gradient (same again) and the input gradient
    /// (same again) except for the first layer, whose input (the data) needs no gradient. So 2·N·(2·784·300 + 3·300·100
    /// + 3·100·10) = 2·N·563,400: 61.97 GFLOP at N = 55,000 (67.6 GFLOP is the same count at N = 60,000; the rule of
    /// thumb 3·2·N·Σ in·out would give 87.8 GFLOP at 55,000 because it counts the first layer's input gradient).
    /// </remarks>
    public static double EpochFlop(long rows, int inputs = 784, int[]? hidden = null, int outputs = 10)
    {
        var widths = new List<int> { inputs };
        widths.AddRange(hidden ?? Hidden);
        widths.Add(outputs);
        double perRow = 0;
        for (int i = 0; i + 1 < widths.Count; i++)
            perRow += (i == 0 ? 2.0 : 3.0) * widths[i] * widths[i + 1];
        return 2.0 * rows * perRow;
    }

    public static int Run(Args args)
    {
        int rounds = args.Int("--rounds", 3);
        int epochs = args.Int("--epochs", 3);
        int threads = args.Int("--threads", 2);
        int rows = args.Int("--rows", 55_000);
        int[] batches = args.Ints("--batches", "32,256");
        string[] contenders = args.List("--contenders", "trainer,bare,pytorch,matmul");
        string python = args.Get("--python", "/usr/bin/python3");
        string dir = Results.Directory(args);

        var data = BenchData.LoadArrays(args, rows);
        var views = data.ToDataViews();
        var pixels = BenchData.Pixels(data.Train);
        var labels = BenchData.Labels(data.Train);
        Console.WriteLine($"throughput: {rows} rows, batches {string.Join("/", batches)}, {rounds} rounds x {epochs} epochs, {threads} threads");

        using var csv = new CsvWriter(Path.Combine(dir, "throughput.csv"), "round", "batch", "contender", "epoch", "seconds", "rows");
        var samples = new List<(int Round, int Batch, string Contender, int Epoch, double Seconds)>();
        void Record(int round, int batch, string contender, int epoch, double seconds)
        {
            samples.Add((round, batch, contender, epoch, seconds));
            csv.Row(round, batch, contender, epoch, seconds, rows);
            Console.WriteLine($"  round {round} batch {batch} {contender,-16} epoch {epoch}: {seconds:F3} s");
        }

        for (int round = 1; round <= rounds; round++)
        {
            foreach (int batch in batches)
            {
                // Rotate the order each round so no contender always runs right after another's warm-up or heat.
                var order = contenders.Skip((round - 1) % contenders.Length).Concat(contenders.Take((round - 1) % contenders.Length));
                foreach (var contender in order)
                {
                    switch (contender)
                    {
                        case "trainer":
                        case "trainer-pertensor":
                        case "trainer-nonorms":
                            // trainer-pertensor: the optimizer over each parameter tensor, as before branch speed;
                            // trainer-nonorms: RecordGradientNorms = false, to price the default per-step norms.
                            var (perEpoch, fit) = RunTrainer(views.Train, batch, epochs, threads,
                                flatParameters: contender != "trainer-pertensor", gradientNorms: contender != "trainer-nonorms");
                            for (int e = 0; e < perEpoch.Count; e++)
                                Record(round, batch, contender, e + 1, perEpoch[e]);
                            if (contender == "trainer")
                            {
                                Record(round, batch, "trainer-fit", 0, fit);
                                Record(round, batch, "trainer-outside-epochs", 0, fit - perEpoch.Sum());
                            }
                            break;
                        case "bare":
                            TorchSharp.torch.set_num_threads(threads);
                            using (var loop = new BareLoop(pixels, labels, Hidden, seed: 1))
                            {
                                for (int e = 1; e <= epochs; e++)
                                    Record(round, batch, "bare", e, loop.Epoch(batch, BareLoopExtras.None));
                            }
                            break;
                        case "matmul":
                            TorchSharp.torch.set_num_threads(threads);
                            for (int e = 1; e <= epochs; e++)
                                Record(round, batch, "matmul-only", e, MatmulOnlyEpoch(rows, batch));
                            break;
                        case "pytorch":
                            foreach (var (e, s) in RunPyTorch(python, args, batch, epochs, threads, rows))
                                Record(round, batch, "pytorch", e, s);
                            break;
                        default:
                            throw new ArgumentException($"Unknown contender '{contender}'.");
                    }
                }
            }
        }

        Results.Markdown(args, "throughput.md", Summarize(samples, batches, rows, rounds, epochs, threads));
        return 0;
    }

    /// <summary>
    /// The ceiling epoch: only the eight matmuls of each training step (Ceiling.StepShapes, with autograd's
    /// transposes), once per step of the epoch, on preallocated operands. Run in the same rounds as the
    /// contenders, so the trainer's share of it is measured under the same load.
    /// </summary>
    public static double MatmulOnlyEpoch(int rows, int batch)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var operands = new List<(TorchSharp.torch.Tensor A, TorchSharp.torch.Tensor B, long M)>();
        foreach (var last in new[] { false, true })
        {
            long b = last ? rows % batch : batch;
            if (b < 2)
                continue;
            foreach (var s in Ceiling.StepShapes(b))
            {
                var a = s.TA ? TorchSharp.torch.randn(s.K, s.M).t() : TorchSharp.torch.randn(s.M, s.K);
                var m = s.TB ? TorchSharp.torch.randn(s.N, s.K).t() : TorchSharp.torch.randn(s.K, s.N);
                operands.Add((a, m, b));
            }
        }
        long fullSteps = rows / batch;
        var clock = Stopwatch.StartNew();
        for (long step = 0; step < fullSteps; step++)
        {
            foreach (var (a, m, b) in operands.Take(8))
                a.matmul(m).Dispose();
        }
        foreach (var (a, m, b) in operands.Skip(8))
            a.matmul(m).Dispose();
        return clock.Elapsed.TotalSeconds;
    }

    public static (List<double> PerEpoch, double FitSeconds) RunTrainer(IDataView train, int batch, int epochs, int threads, double dropout = 0,
        bool flatParameters = true, bool gradientNorms = true)
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = Hidden,
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            DropoutRate = dropout,
            Epochs = epochs,
            BatchSize = batch,
            Seed = 1,
            NumberOfThreads = threads,
            RecordGradientNorms = gradientNorms,
            FlatParameterBuffer = flatParameters,
        });
        var clock = Stopwatch.StartNew();
        using var model = trainer.Fit(train);
        double fit = clock.Elapsed.TotalSeconds;
        return (model.History.Epochs.Select(e => e.Seconds).ToList(), fit);
    }

    public static IEnumerable<(int Epoch, double Seconds)> RunPyTorch(string python, Args args, int batch, int epochs, int threads, int rows, string extra = "")
    {
        var dataDir = MLNetDeep.Datasets.FashionMnist.ResolveDataDirectory(args.Get("--data", null!), new MLNetDeep.Datasets.FashionMnistOptions { AllowDownload = false });
        var script = Path.Combine(args.Get("--pytorch-dir", Path.Combine("bench", "pytorch")), "mlp_throughput.py");
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { script, "--data", dataDir, "--batch", Inv(batch), "--epochs", Inv(epochs), "--threads", Inv(threads), "--rows", Inv(rows) })
            psi.ArgumentList.Add(a);
        foreach (var a in extra.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {python}.");
        var results = new List<(int, double)>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) != null)
        {
            using var json = JsonDocument.Parse(line);
            results.Add((json.RootElement.GetProperty("epoch").GetInt32(), json.RootElement.GetProperty("seconds").GetDouble()));
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {script} exited with {process.ExitCode}; is python3-torch installed (bench/run.sh installs it)?");
        return results;
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static double MedianOf(List<(int Round, int Batch, string Contender, int Epoch, double Seconds)> samples, int batch, string contender) =>
        Stats.Median(samples.Where(s => s.Batch == batch && s.Contender == contender && s.Epoch >= 2).Select(s => s.Seconds));

    /// <summary>Per round, the median epoch of one contender over the other's; then the median over rounds.</summary>
    private static double Paired(List<(int Round, int Batch, string Contender, int Epoch, double Seconds)> samples, int rounds, int batch, string a, string b) =>
        Stats.Median(Enumerable.Range(1, rounds).Select(r =>
            Stats.Median(samples.Where(s => s.Round == r && s.Batch == batch && s.Contender == a && s.Epoch >= 2).Select(s => s.Seconds)) /
            Stats.Median(samples.Where(s => s.Round == r && s.Batch == batch && s.Contender == b && s.Epoch >= 2).Select(s => s.Seconds)))
            .Where(double.IsFinite));

    private static string Summarize(List<(int Round, int Batch, string Contender, int Epoch, double Seconds)> samples, int[] batches, int rows, int rounds, int epochs, int threads)
    {
        var md = new StringBuilder();
        md.AppendLine($"### Training throughput ({rows:N0} rows, {threads} threads, {rounds} rounds × {epochs} epochs, epoch 1 of each run dropped)");
        md.AppendLine();
        md.AppendLine("| batch | trainer epoch s | bare TorchSharp s | PyTorch 1.13 s | trainer / PyTorch | trainer / bare | bare / PyTorch | trainer Fit outside epochs s | trainer GFLOP/s | bare GFLOP/s | PyTorch GFLOP/s |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        double flop = EpochFlop(rows);
        var ceilingLines = new List<string>();
        foreach (int batch in batches)
        {
            double Med(string c) => MedianOf(samples, batch, c);
            double PairedRatio(string a, string b) => Paired(samples, rounds, batch, a, b);
            double outside = Stats.Median(samples.Where(s => s.Batch == batch && s.Contender == "trainer-outside-epochs").Select(s => s.Seconds));
            double t = Med("trainer"), b = Med("bare"), p = Med("pytorch"), mm = Med("matmul-only");
            if (double.IsFinite(mm))
                ceilingLines.Add($"| {batch} | {Stats.F(mm)} | {Stats.F(flop / mm / 1e9, "F1")} | {Stats.F(PairedRatio("matmul-only", "trainer"), "P0")} |");
            md.AppendLine($"| {batch} | {Stats.F(t)} | {Stats.F(b)} | {Stats.F(p)} | {Stats.F(PairedRatio("trainer", "pytorch"), "F2")} | {Stats.F(PairedRatio("trainer", "bare"), "F2")} | {Stats.F(PairedRatio("bare", "pytorch"), "F2")} | {Stats.F(outside, "F2")} | {Stats.F(flop / t / 1e9, "F1")} | {Stats.F(flop / b / 1e9, "F1")} | {Stats.F(flop / p / 1e9, "F1")} |");
        }
        var variants = samples.Select(s => s.Contender).Distinct().Where(c => c is "trainer-pertensor" or "trainer-nonorms").ToList();
        if (variants.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| batch | trainer variant | epoch s | trainer / variant (paired) | GFLOP/s | share of the ceiling (matmul-only / variant, paired) |");
            md.AppendLine("|---:|---|---:|---:|---:|---:|");
            foreach (int batch in batches)
            {
                foreach (var v in variants.Prepend("trainer"))
                {
                    double m = MedianOf(samples, batch, v);
                    md.AppendLine($"| {batch} | {v} | {Stats.F(m)} | {Stats.F(Paired(samples, rounds, batch, "trainer", v), "F3")} | {Stats.F(flop / m / 1e9, "F1")} | {Stats.F(Paired(samples, rounds, batch, "matmul-only", v), "P0")} |");
                }
            }
        }
        md.AppendLine();
        md.AppendLine($"Matmul work per epoch: {flop / 1e9:F2} GFLOP (2·N·563,400). Ratios are medians of per-round ratios (same round, same load).");
        if (ceilingLines.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| batch | matmul-only epoch s | matmul-only GFLOP/s | trainer's share of the ceiling (matmul-only / trainer epoch) |");
            md.AppendLine("|---:|---:|---:|---:|");
            ceilingLines.ForEach(l => md.AppendLine(l));
        }
        return md.ToString();
    }
}
