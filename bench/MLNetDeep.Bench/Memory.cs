using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;

namespace MLNetDeep.Bench;

/// <summary>Samples this process's RSS every few milliseconds so that short peaks between epochs are seen too.</summary>
internal sealed class RssSampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public RssSampler(int periodMs = 50)
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                var (rss, _) = Rss.Read();
                if (rss > PeakMiB)
                    PeakMiB = rss;
                var managed = GC.GetTotalMemory(false) / 1048576.0;
                if (managed > ManagedPeakMiB)
                    ManagedPeakMiB = managed;
                Thread.Sleep(periodMs);
            }
        }) { IsBackground = true, Name = "rss-sampler" };
        _thread.Start();
    }

    public double PeakMiB { get; private set; }

    /// <summary>The largest GC heap seen (GC.GetTotalMemory, live and not yet collected objects), in MiB.</summary>
    public double ManagedPeakMiB { get; private set; }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}

/// <summary>
/// Figure 5: resident memory while the trainer fits Fashion-MNIST for 20 epochs: before Fit, after each epoch (read
/// from the epoch log line, the trainer's only per-epoch hook), the sampled peak, and VmHWM.
/// </summary>
internal static class Memory
{
    private static readonly Regex EpochLine = new(@"Epoch (\d+)/\d+:", RegexOptions.Compiled);

    public static int Run(Args args)
    {
        string dir = Results.Directory(args);
        int epochs = args.Int("--epochs", 20);
        int batch = args.Int("--batch", 32);
        int threads = args.Int("--threads", 2);
        var data = BenchData.LoadArrays(args).ToDataViews();
        var (baseline, _) = Rss.Read();

        var ml = new MLContext(seed: 1);
        var perEpoch = new List<(int Epoch, double RssMiB, double ManagedMiB)>();
        ml.Log += (_, e) =>
        {
            var m = EpochLine.Match(e.Message);
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && m.Success)
            {
                var (rss, _) = Rss.Read();
                perEpoch.Add((int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), rss, GC.GetTotalMemory(false) / 1048576.0));
                Console.WriteLine($"  epoch {m.Groups[1].Value}: RSS {rss:F0} MiB");
            }
        };
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 300, 100 },
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            Epochs = epochs,
            BatchSize = batch,
            Seed = 1,
            NumberOfThreads = threads,
            ValidationSet = data.Validation,
        });
        double peak;
        double fitSeconds;
        using (var sampler = new RssSampler())
        {
            var clock = Stopwatch.StartNew();
            using var model = trainer.Fit(data.Train);
            fitSeconds = clock.Elapsed.TotalSeconds;
            peak = sampler.PeakMiB;
        }
        var (after, hwm) = Rss.Read();

        using (var csv = new CsvWriter(Path.Combine(dir, "memory.csv"), "epoch", "rss_mib", "managed_mib"))
        {
            csv.Row(0, baseline, double.NaN);
            foreach (var (e, rss, managed) in perEpoch)
                csv.Row(e, rss, managed);
        }
        double At(int epoch) => perEpoch.FirstOrDefault(p => p.Epoch == epoch).RssMiB;
        var md = new StringBuilder();
        md.AppendLine($"### Memory (trainer, Fashion-MNIST 55k + 5k validation, batch {batch}, {epochs} epochs, {threads} threads; Fit took {fitSeconds:F0} s)");
        md.AppendLine();
        md.AppendLine("| before Fit (data loaded) | after epoch 2 | after epoch 10 | after epoch 20 | drift 2→20 | sampled peak during Fit | VmHWM (process peak) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        md.AppendLine($"| {baseline:F0} MiB | {At(2):F0} MiB | {At(10):F0} MiB | {At(20):F0} MiB | {At(20) - At(2):+0;-0} MiB | {peak:F0} MiB | {hwm:F0} MiB |");
        Results.Markdown(args, "memory.md", md.ToString());
        return 0;
    }
}
