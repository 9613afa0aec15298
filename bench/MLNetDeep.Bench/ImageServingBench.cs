using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 9c: cold start and single-image latency of a saved image-classifier zip. Each round starts
/// bench/ImageServing (Microsoft.ML, OnnxTransformer, ONNX Runtime and MLNetDeep.Transforms.Imaging; no TorchSharp) in a
/// fresh process: Model.Load, CreatePredictionEngine, the first Predict on a saved JPEG, then --predictions more
/// single-image predictions cycling over one photo per class, each timed.
/// </summary>
internal static class ImageServingBench
{
    public static void Run(Args args, Flowers flowers, string dir, string zip)
    {
        int rounds = args.Int("--serving-rounds", 5);
        int predictions = args.Int("--predictions", 200);
        var app = args.Get("--serving-app", Path.Combine("bench", "ImageServing", "bin", "Release", "net10.0", "linux-x64", "ImageServing.dll"));
        if (!File.Exists(app))
            throw new FileNotFoundException($"{app} is not built: dotnet build bench/ImageServing -c Release (bench/run.sh images does).");
        var images = flowers.Photos.GroupBy(p => p.Class).Select(g => g.First().Path).ToArray();
        using var csv = new CsvWriter(Path.Combine(dir, "images-serving.csv"), "round", "process_ms", "runtime_start_ms", "load_ms", "engine_ms", "first_predict_ms",
            "load_to_first_prediction_ms", "load_to_first_prediction_cpu_ms", "cpu_ms_per_prediction", "latency_p50_us", "latency_p95_us", "latency_max_us", "load_average");
        var rows = new List<(double Process, double Load, double Engine, double First, double Total, double P50, double P95, double TotalCpu, double CpuPerPrediction)>();
        var latencies = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            var load = LoadAverage.Now();
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { app, zip, predictions.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(images))
                psi.ArgumentList.Add(a);
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start ImageServing.");
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var processMs = clock.Elapsed.TotalMilliseconds;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"ImageServing exited with {process.ExitCode}: {output}");
            using var json = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
            var r = json.RootElement;
            double D(string p) => r.GetProperty(p).GetDouble();
            var times = r.GetProperty("latencies_us").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            latencies.AddRange(times);
            var row = (Process: processMs, Load: D("load_ms"), Engine: D("engine_ms"), First: D("first_predict_ms"), Total: D("load_to_first_prediction_ms"),
                P50: Stats.Percentile(times, 50), P95: Stats.Percentile(times, 95), TotalCpu: D("load_to_first_prediction_cpu_ms"), CpuPerPrediction: D("cpu_ms_per_prediction"));
            rows.Add(row);
            csv.Row(round, processMs, D("runtime_start_ms"), row.Load, row.Engine, row.First, row.Total, row.TotalCpu, row.CpuPerPrediction, row.P50, row.P95, times.Max(), load);
            Console.WriteLine($"  round {round}: Model.Load → first prediction {row.Total:F0} ms ({row.TotalCpu:F0} ms CPU), single-image p50 {row.P50 / 1000:F1} ms, p95 {row.P95 / 1000:F1} ms, {row.CpuPerPrediction:F1} ms CPU each (load {load})");
        }

        var md = new StringBuilder();
        md.AppendLine($"Saved flowers-small model ({new FileInfo(zip).Length / 1e6:F1} MB zip), {rounds} fresh processes, {predictions} single-image PredictionEngine.Predict calls each after the first.");
        md.AppendLine();
        md.AppendLine("| | min | median | max |");
        md.AppendLine("|---|---:|---:|---:|");
        void Line(string name, Func<(double Process, double Load, double Engine, double First, double Total, double P50, double P95, double TotalCpu, double CpuPerPrediction), double> pick, string unit, double scale)
        {
            var values = rows.Select(pick).ToList();
            md.AppendLine($"| {name} | {Stats.F(values.Min() / scale, "F1")} {unit} | {Stats.F(Stats.Median(values) / scale, "F1")} {unit} | {Stats.F(values.Max() / scale, "F1")} {unit} |");
        }
        Line("`Model.Load`", r => r.Load, "ms", 1);
        Line("`CreatePredictionEngine`", r => r.Engine, "ms", 1);
        Line("first `Predict`", r => r.First, "ms", 1);
        Line("**Model.Load → first prediction**", r => r.Total, "ms", 1);
        Line("process CPU time, Model.Load → first prediction", r => r.TotalCpu, "ms", 1);
        Line("whole process (start to exit, incl. the timed predictions)", r => r.Process, "ms", 1);
        Line("single-image latency, p50 of the round", r => r.P50, "ms", 1000);
        Line("single-image latency, p95 of the round", r => r.P95, "ms", 1000);
        Line("process CPU time per single-image prediction", r => r.CpuPerPrediction, "ms", 1);
        md.AppendLine();
        md.AppendLine($"All {latencies.Count} single-image predictions: p50 {Stats.Percentile(latencies, 50) / 1000:F1} ms, p95 {Stats.Percentile(latencies, 95) / 1000:F1} ms, p99 {Stats.Percentile(latencies, 99) / 1000:F1} ms.");
        Results.Markdown(args, "images-serving.md", md.ToString());
    }
}
