using System.Diagnostics;
using System.Text;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>
/// Before/after and share of the ceiling under the same load, step by step: the product's step with per-tensor
/// parameters (as before branch speed), the same step with the flat parameter buffer (the product now), and the
/// step's eight matmuls alone, run in turn for every batch (the order rotates each step). On a machine whose load
/// swings by ±50 % from one second to the next, whole-epoch comparisons cannot resolve a few percent; alternating
/// at the millisecond scale puts the same load on each contender, so their sums compare directly.
/// </summary>
internal static class Interleaved
{
    private static readonly string[] Contenders = { "per-tensor", "flat", "matmul-only" };

    public static int Run(Args args)
    {
        var (dir, rounds, rows, threads, batches, pixels, labels) = LoopBenchSetup.From(args);
        set_num_threads(threads);
        Console.WriteLine($"interleave: {rows} rows, batches {string.Join("/", batches)}, {rounds} rounds, {threads} threads");

        var perTensorStep = BareLoopExtras.LikeTrainer with { ModuleZeroGrad = true, Phases = true };
        var flatStep = BareLoopExtras.LikeTrainer with { FlatParameters = true, Phases = true };
        using var perTensor = new BareLoop(pixels, labels, Throughput.Hidden, seed: 1);
        using var flat = new BareLoop(pixels, labels, Throughput.Hidden, seed: 1, flatParameters: true);
        using var csv = new CsvWriter(Path.Combine(dir, "interleave.csv"), "round", "batch", "contender", "item", "seconds");
        var totals = new List<(int Round, int Batch, string Contender, string Item, double Seconds)>();
        foreach (int batch in batches)
        {
            perTensor.Epoch(batch, BareLoopExtras.None); // warm-up, not recorded
            flat.Epoch(batch, BareLoopExtras.None);
        }

        for (int round = 1; round <= rounds; round++)
        {
            foreach (int batch in batches)
            {
                using var matmuls = new StepMatmuls(batch);
                using var a = perTensor.Steps(batch, perTensorStep).GetEnumerator();
                using var b = flat.Steps(batch, flatStep).GetEnumerator();
                var seconds = Contenders.Select(_ => new List<double>()).ToArray();
                // The loops skip a trailing one-row batch (batch normalization), so their epochs have this many steps.
                long steps = rows / batch + (rows % batch > 1 ? 1 : 0);
                for (long step = 0; step < steps; step++)
                {
                    for (int k = 0; k < Contenders.Length; k++)
                    {
                        int c = (int)((step + k) % Contenders.Length);
                        if (c == 2)
                        {
                            seconds[2].Add(matmuls.Run());
                            continue;
                        }
                        var loop = c == 0 ? a : b;
                        if (!loop.MoveNext())
                            throw new InvalidOperationException($"The {Contenders[c]} loop ended after {step} of {steps} steps.");
                        seconds[c].Add(loop.Current);
                    }
                }
                // A descheduled thread stalls whichever step is running for tens of milliseconds; the median step
                // ignores those stalls, so "median step × steps" is the epoch an unloaded core would see.
                for (int c = 0; c < Contenders.Length; c++)
                {
                    Add(round, batch, Contenders[c], "step", Stats.Median(seconds[c]) * steps);
                    Add(round, batch, Contenders[c], "sum", seconds[c].Sum());
                }
                foreach (var (phase, s) in perTensor.PhaseStepSeconds)
                    Add(round, batch, "per-tensor", phase, Stats.Median(s) * steps);
                foreach (var (phase, s) in flat.PhaseStepSeconds)
                    Add(round, batch, "flat", phase, Stats.Median(s) * steps);
                Console.WriteLine($"  round {round} batch {batch} ({steps} steps), median step × steps (sum): per-tensor {Stats.Median(seconds[0]) * steps:F3} s ({seconds[0].Sum():F3}), " +
                    $"flat {Stats.Median(seconds[1]) * steps:F3} s ({seconds[1].Sum():F3}), matmul-only {Stats.Median(seconds[2]) * steps:F3} s ({seconds[2].Sum():F3})");
            }
        }

        void Add(int round, int batch, string contender, string item, double s)
        {
            totals.Add((round, batch, contender, item, s));
            csv.Row(round, batch, contender, item, s);
        }

        Results.Markdown(args, "interleave.md", Summarize(totals, batches, rows, rounds, threads));
        return 0;
    }

    private static string Summarize(List<(int Round, int Batch, string Contender, string Item, double Seconds)> totals, int[] batches, int rows, int rounds, int threads)
    {
        double Step(int round, int batch, string contender) => totals.First(t => t.Round == round && t.Batch == batch && t.Contender == contender && t.Item == "step").Seconds;
        double MedianRatio(int batch, string a, string b) => Stats.Median(Enumerable.Range(1, rounds).Select(r => Step(r, batch, a) / Step(r, batch, b)));
        double Median(int batch, string contender, string item) => Stats.Median(totals.Where(t => t.Batch == batch && t.Contender == contender && t.Item == item).Select(t => t.Seconds));

        var md = new StringBuilder();
        md.AppendLine($"### Step-interleaved before/after and ceiling share ({rows:N0} rows, {threads} threads, {rounds} rounds; medians)");
        md.AppendLine();
        md.AppendLine("| batch | per-tensor epoch s | flat epoch s | matmul-only epoch s | flat / per-tensor | share of the ceiling, per-tensor | share of the ceiling, flat | flat GFLOP/s |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        double flop = Throughput.EpochFlop(rows);
        foreach (int batch in batches)
        {
            md.AppendLine($"| {batch} | {Stats.F(Median(batch, "per-tensor", "step"))} | {Stats.F(Median(batch, "flat", "step"))} | {Stats.F(Median(batch, "matmul-only", "step"))} | " +
                $"{Stats.F(MedianRatio(batch, "flat", "per-tensor"))} | {Stats.F(MedianRatio(batch, "matmul-only", "per-tensor"), "P0")} | {Stats.F(MedianRatio(batch, "matmul-only", "flat"), "P0")} | {Stats.F(flop / Median(batch, "flat", "step") / 1e9, "F1")} |");
        }
        md.AppendLine();
        md.AppendLine("Epoch s = median step × steps (a descheduled thread's stalls left out); ratios are medians of per-round ratios; each round runs every step of one epoch for each contender in turn. Phases: median per step × steps, so they need not add up to the epoch.");
        md.AppendLine();
        var phases = totals.Where(t => t.Item is not ("step" or "sum")).Select(t => t.Item).Distinct().ToList();
        md.AppendLine("| batch | layout | " + string.Join(" | ", phases) + " | sum |");
        md.AppendLine("|---:|---|" + string.Concat(phases.Select(_ => "---:|")) + "---:|");
        foreach (int batch in batches)
        {
            foreach (var contender in new[] { "per-tensor", "flat" })
            {
                var meds = phases.ToDictionary(p => p, p => Median(batch, contender, p));
                double sum = meds.Values.Sum();
                md.AppendLine($"| {batch} | {contender} | " + string.Join(" | ", meds.Values.Select(v => $"{v:F3} ({v / sum:P0})")) + $" | {sum:F3} |");
            }
        }
        return md.ToString();
    }

    /// <summary>The eight matmuls of one training step (Ceiling.StepShapes) on preallocated operands, for the full batch.</summary>
    private sealed class StepMatmuls : IDisposable
    {
        private readonly List<Tensor> _owned = new();
        private readonly List<(Tensor A, Tensor B)> _operands = new();

        public StepMatmuls(int batch)
        {
            foreach (var s in Ceiling.StepShapes(batch))
                _operands.Add((Operand(s.M, s.K, s.TA), Operand(s.K, s.N, s.TB)));
        }

        /// <summary>A rows×columns operand, stored transposed when autograd's matmul reads it transposed.</summary>
        private Tensor Operand(long rows, long columns, bool transposed)
        {
            var stored = transposed ? randn(columns, rows) : randn(rows, columns);
            _owned.Add(stored);
            if (!transposed)
                return stored;
            var view = stored.t();
            _owned.Add(view);
            return view;
        }

        public double Run()
        {
            var clock = Stopwatch.StartNew();
            foreach (var (a, b) in _operands)
                a.matmul(b).Dispose();
            return clock.Elapsed.TotalSeconds;
        }

        public void Dispose() => _owned.ForEach(t => t.Dispose());
    }
}
