using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using MLNetDeep.Pretrained;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 9b: peak memory of training the image estimator on flowers-small (all 200 images, ResNet18, the estimator's
/// defaults), phase 1 alone (<c>FineTuning = null</c>) and with phase 2 (<c>FineTuning = new()</c>). Each fit runs in a
/// fresh child process (<c>images-fit</c>), so its peak is its own: VmHWM (the kernel's peak resident set of the
/// process), the RSS and the GC heap sampled every 50 ms, and the RSS before Fit (the runtime and the pipeline; the images are read inside Fit).
/// The phase-1 child also saves the model zip that figure 9c serves.
/// </summary>
internal static class ImageMemoryBench
{
    public static string Run(Args args, string dir, string zip)
    {
        int runs = args.Int("--memory-runs", 2);
        int threads = args.Int("--fit-threads", 2);
        var md = new StringBuilder();
        md.AppendLine($"Peak memory of Fit on flowers-small (200 images, ResNet18, defaults, {threads} threads), one fresh process per fit.");
        md.AppendLine();
        md.AppendLine("| fit | run | Fit s | RSS before Fit | sampled peak RSS | VmHWM (process peak RSS) | sampled peak GC heap | load average |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        using var csv = new CsvWriter(Path.Combine(dir, "images-memory.csv"), "fit", "run", "fit_seconds", "rss_before_mib", "sampled_peak_rss_mib", "vmhwm_mib", "gc_heap_peak_mib", "load_average");
        foreach (var fineTuning in new[] { false, true })
        {
            for (int run = 1; run <= runs; run++)
            {
                var load = LoadAverage.Now();
                var result = Child(args, threads, fineTuning, fineTuning ? null : zip);
                var name = fineTuning ? "phase 1 + phase 2 (FineTuning = new())" : "phase 1 (FineTuning = null)";
                double D(string p) => result.GetProperty(p).GetDouble();
                csv.Row(fineTuning ? "phase1+2" : "phase1", run, D("fit_seconds"), D("rss_before_mib"), D("sampled_peak_rss_mib"), D("vmhwm_mib"), D("gc_heap_peak_mib"), load);
                md.AppendLine($"| {name} | {run} | {D("fit_seconds"):F1} | {D("rss_before_mib"):F0} MiB | "
                    + $"{D("sampled_peak_rss_mib"):F0} MiB | {D("vmhwm_mib"):F0} MiB | {D("gc_heap_peak_mib"):F0} MiB | {load} |");
            }
        }
        Results.Markdown(args, "images-memory.md", md.ToString());
        return zip;
    }

    private static JsonElement Child(Args args, int threads, bool fineTuning, string? save)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(typeof(ImageMemoryBench).Assembly.Location);
        foreach (var a in new[] { "images-fit", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--fine-tuning", fineTuning ? "1" : "0" })
            psi.ArgumentList.Add(a);
        if (args.Get("--flowers", null!) is { } flowers)
        {
            psi.ArgumentList.Add("--flowers");
            psi.ArgumentList.Add(flowers);
        }
        if (save is not null)
        {
            psi.ArgumentList.Add("--save");
            psi.ArgumentList.Add(save);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the images-fit child.");
        string? json = null;
        string? line;
        while ((line = process.StandardOutput.ReadLine()) != null)
        {
            if (line.StartsWith('{'))
                json = line;
            else
                Console.WriteLine($"    {line}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || json is null)
            throw new InvalidOperationException($"images-fit exited with {process.ExitCode}.");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>The child: one Fit, measured; prints one JSON line.</summary>
    public static int Fit(Args args)
    {
        var flowers = Flowers.From(args);
        var ml = new MLContext(seed: 1);
        // Not cached: the estimator reads every image's bytes itself, inside Fit, as a user's pipeline would have it.
        var data = flowers.DataView(ml);
        var (before, _) = Rss.Read();
        bool fineTuning = args.Int("--fine-tuning", 0) == 1;
        var trainer = ml.MulticlassClassification.Trainers.ImageTransferLearning(new ImageTransferLearningOptions
        {
            LabelColumnName = "Label",
            ImageColumnName = "Image",
            Seed = 1,
            NumberOfThreads = args.Int("--threads", 2),
            FineTuning = fineTuning ? new FineTuningOptions() : null,
        });
        double seconds, peak, managedPeak;
        ImageClassificationTransformer model;
        using (var sampler = new RssSampler())
        {
            var clock = Stopwatch.StartNew();
            model = trainer.Fit(data);
            seconds = clock.Elapsed.TotalSeconds;
            peak = sampler.PeakMiB;
            managedPeak = sampler.ManagedPeakMiB;
        }
        var (_, hwm) = Rss.Read();
        if (args.Get("--save", null!) is { } save)
        {
            ml.Model.Save(model, data.Schema, save);
            Console.WriteLine($"saved {save} ({new FileInfo(save).Length / 1e6:F1} MB)");
        }
        model.Dispose();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            fit_seconds = seconds,
            rss_before_mib = before,
            sampled_peak_rss_mib = peak,
            vmhwm_mib = hwm,
            gc_heap_peak_mib = managedPeak,
        }));
        return 0;
    }
}
