// Cold start and single-image latency of a saved MLNetDeep image model (figure 9c). One run of this process is one
// round: the time from mlContext.Model.Load to the first PredictionEngine.Predict on a saved image, split into its
// parts, then <predictions> more single-image predictions, each timed. Started by `MLNetDeep.Bench images` in a fresh
// process per round, so the JIT, ML.NET's component catalog and ONNX Runtime's session all start cold.
//
// Usage: ImageServing <model.zip> <predictions> <image>...
// Prints one JSON line: the phases in ms (wall, and process CPU to the first prediction), the per-prediction latencies
// in µs, and the process CPU per prediction after the first.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: ImageServing <model.zip> <predictions> <image>...");
    return 2;
}
var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
var predictions = int.Parse(args[1], CultureInfo.InvariantCulture);
var images = args.Skip(2).Select(File.ReadAllBytes).ToArray();

// Process CPU time beside wall time: on a machine shared with other work, the CPU a phase needed is the steadier figure.
var process = Process.GetCurrentProcess();
var cpuAtLoad = process.TotalProcessorTime;
var clock = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 0);
var model = mlContext.Model.Load(args[0], out _);
var loaded = clock.Elapsed.TotalMilliseconds;
using var engine = mlContext.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model);
var engineCreated = clock.Elapsed.TotalMilliseconds;
var first = engine.Predict(new ImageInput { Image = images[0] });
var firstPrediction = clock.Elapsed.TotalMilliseconds;
process.Refresh();
var cpuAtFirstPrediction = process.TotalProcessorTime;

var latencies = new double[predictions];
var input = new ImageInput();
var output = new ImagePrediction();
for (var i = 0; i < predictions; i++)
{
    input.Image = images[i % images.Length];
    var start = Stopwatch.GetTimestamp();
    engine.Predict(input, ref output);
    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
}
process.Refresh();
var cpuPerPrediction = (process.TotalProcessorTime - cpuAtFirstPrediction).TotalMilliseconds / Math.Max(predictions, 1);

Console.WriteLine(JsonSerializer.Serialize(new
{
    runtime_start_ms = sinceStart.TotalMilliseconds,
    load_ms = loaded,
    engine_ms = engineCreated - loaded,
    first_predict_ms = firstPrediction - engineCreated,
    load_to_first_prediction_ms = firstPrediction,
    load_to_first_prediction_cpu_ms = (cpuAtFirstPrediction - cpuAtLoad).TotalMilliseconds,
    cpu_ms_per_prediction = cpuPerPrediction,
    first_label = first.PredictedLabel,
    classes = first.Score.Length,
    latencies_us = latencies,
}));
return 0;

/// <summary>An image as its encoded bytes, the column the model was trained on.</summary>
internal sealed class ImageInput
{
    public byte[] Image { get; set; } = [];
}

/// <summary>What the model adds: the class probabilities and the predicted key.</summary>
internal sealed class ImagePrediction
{
    public float[] Score { get; set; } = [];

    public uint PredictedLabel { get; set; }
}
