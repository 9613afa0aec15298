using System.Text;

namespace MLNetDeep.Bench;

/// <summary>
/// Where the trainer's per-step overhead goes: the bare loop with the trainer's per-step extras added one at a time
/// (loss.item(), accuracy, GC.Collect(0) every 50 steps, the per-step gradient norms), and with Module.zero_grad in place
/// of Optimizer.zero_grad, alternated within each round, plus a Stopwatch profile of each phase of a step with all extras
/// on, per-tensor and with the product's flat parameter buffer. This is the "bench copy" of TrainingLoop's inner loop.
/// </summary>
internal static class Ablation
{
    public static int Run(Args args)
    {
        var (dir, rounds, rows, threads, batches, pixels, labels) = LoopBenchSetup.From(args);
        TorchSharp.torch.set_num_threads(threads);

        var variants = new[]
        {
            BareLoopExtras.None,
            new BareLoopExtras(LossItem: true),
            new BareLoopExtras(LossItem: true, Accuracy: true),
            new BareLoopExtras(LossItem: true, Accuracy: true, CollectEvery: 50),
            BareLoopExtras.LikeTrainer,
            BareLoopExtras.LikeTrainer with { ModuleZeroGrad = true },
        };
        var samples = new List<(int Batch, string Variant, double Seconds)>();
        double? flatCheck = null;
        var phases = new Dictionary<(int Batch, string Variant, string Phase), List<double>>();
        var profiled = new[]
        {
            // The product before branch speed (per-tensor optimizer, Module.zero_grad) and since (flat buffer).
            BareLoopExtras.LikeTrainer with { Phases = true, ModuleZeroGrad = true },
            BareLoopExtras.LikeTrainer with { Phases = true, FlatParameters = true },
        };
        using var csv = new CsvWriter(Path.Combine(dir, "ablation.csv"), "round", "batch", "variant", "seconds");
        using var loop = new BareLoop(pixels, labels, Throughput.Hidden, seed: 1);
        // The flat-parameter prototype needs its own network and optimizer; it is profiled like the others.
        using var flatLoop = args.Flag("--no-flat") ? null : new BareLoop(pixels, labels, Throughput.Hidden, seed: 1, flatParameters: true);
        foreach (int batch in batches)
        {
            loop.Epoch(batch, BareLoopExtras.None); // warm-up, not recorded
            flatLoop?.Epoch(batch, BareLoopExtras.None);
        }
        if (flatLoop is not null)
        {
            // Same seed, same data order: flat Adam must reach the same weights as per-tensor Adam.
            double diff = loop.Parameters.Zip(flatLoop.Parameters).Max(p => (p.First - p.Second).abs().max().item<float>());
            Console.WriteLine($"  flat parameter buffer: max |Δweight| after the warm-up epochs = {diff:G3}");
            flatCheck = diff;
        }

        for (int round = 1; round <= rounds; round++)
        {
            foreach (int batch in batches)
            {
                var order = variants.Skip((round - 1) % variants.Length).Concat(variants.Take((round - 1) % variants.Length));
                foreach (var v in order)
                {
                    double s = loop.Epoch(batch, v);
                    samples.Add((batch, v.Name, s));
                    csv.Row(round, batch, v.Name, s);
                    Console.WriteLine($"  round {round} batch {batch} {v.Name,-18} {s:F3} s");
                }
                foreach (var v in round % 2 == 0 ? profiled.Reverse() : profiled)
                {
                    var which = v.FlatParameters ? flatLoop : loop;
                    if (which is null)
                        continue;
                    which.Epoch(batch, v);
                    foreach (var (phase, seconds) in which.PhaseSeconds)
                    {
                        if (!phases.TryGetValue((batch, v.Name, phase), out var list))
                            phases[(batch, v.Name, phase)] = list = new List<double>();
                        list.Add(seconds);
                        csv.Row(round, batch, $"{v.Name} phase {phase}", seconds);
                    }
                }
            }
        }

        var md = new StringBuilder();
        md.AppendLine($"### Overhead ablation (bare TorchSharp loop + the trainer's per-step extras; {rows:N0} rows, {threads} threads, median of {rounds} rounds)");
        md.AppendLine();
        md.AppendLine("| batch | variant | epoch s | vs bare |");
        md.AppendLine("|---:|---|---:|---:|");
        foreach (int batch in batches)
        {
            double bare = Stats.Median(samples.Where(s => s.Batch == batch && s.Variant == "bare").Select(s => s.Seconds));
            foreach (var v in variants)
            {
                double m = Stats.Median(samples.Where(s => s.Batch == batch && s.Variant == v.Name).Select(s => s.Seconds));
                md.AppendLine($"| {batch} | {v.Name} | {m:F3} | {m / bare:F2} |");
            }
        }
        md.AppendLine();
        if (flatCheck is double d)
            md.AppendLine($"Flat parameter buffer (product): max |Δweight| against per-tensor Adam after {batches.Length} identical warm-up epoch(s): {d:G3}.").AppendLine();
        md.AppendLine("Per-phase share of a step with all extras on (Stopwatch around each phase; CPU ops are synchronous):");
        md.AppendLine();
        md.AppendLine("| batch | variant | " + string.Join(" | ", phases.Keys.Select(k => k.Phase).Distinct()) + " | sum |");
        md.AppendLine("|---:|---|" + string.Concat(phases.Keys.Select(k => k.Phase).Distinct().Select(_ => "---:|")) + "---:|");
        foreach (int batch in batches)
        {
            foreach (var v in profiled.Where(v => phases.Keys.Any(k => k.Variant == v.Name)))
            {
                var meds = phases.Where(p => p.Key.Batch == batch && p.Key.Variant == v.Name).ToDictionary(p => p.Key.Phase, p => Stats.Median(p.Value));
                double total = meds.Values.Sum();
                md.AppendLine($"| {batch} | {v.Name} | " + string.Join(" | ", meds.Select(p => $"{p.Value:F2} s ({p.Value / total:P0})")) + $" | {total:F2} s |");
            }
        }
        Results.Markdown(args, "ablation.md", md.ToString());
        return 0;
    }
}
