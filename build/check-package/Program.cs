// The app that build/check-package.sh builds against the freshly packed MLNetDeep packages, as a new user
// would write it: it trains the DNN through the public ML.NET API, saves the model zip, loads it back and
// checks that the reloaded model predicts what the trained one did. It exercises TorchSharp (and the
// GLIBCXX patch shipped in the package), the ONNX exporter and ONNX Runtime.
// Contract with the script: print "CHECK-APP OK" and exit 0 on success, exit non-zero otherwise; print the
// Microsoft.ML version it ran on; when MLNETDEEP_CHECK_OUTPUT names a folder, leave there the trained network's zip
// (model.zip) and its rows and scores (expected.txt) for the serving app (build/check-package/serving).
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;

var mlContext = new MLContext(seed: 1);
Console.WriteLine($"running on Microsoft.ML {typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}");
var random = new Random(1);
var rows = Enumerable.Range(0, 600).Select(i => new Row
{
    Label = "class" + (i % 3),
    Features = Enumerable.Range(0, 8).Select(f => (float)((i % 3 == f % 3 ? 2.0 : 0.0) + random.NextDouble())).ToArray(),
}).ToList();
var data = mlContext.Data.LoadFromEnumerable(rows);

var options = new DeepNeuralNetworkOptions
{
    LabelColumnName = "Label", FeatureColumnName = "Features",
    HiddenLayers = new[] { 300, 100 }, Epochs = 10, BatchSize = 32, Seed = 1,
};
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    .Append(mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(options));
var model = pipeline.Fit(data);
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(data));
Console.WriteLine($"training accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");

// Which copy of the library the loader really mapped, so a run that loaded an unpatched one is visible in the log.
var loaded = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    .Where(f => f.Length >= 6 && f[5].EndsWith("/libLibTorchSharp.so")).Select(f => f[5]).FirstOrDefault();
Console.WriteLine($"libLibTorchSharp.so loaded from: {loaded ?? "(not found in /proc/self/maps)"}");

string zip = Path.Combine(Path.GetTempPath(), $"mlnetdeep-check-{Environment.ProcessId}.zip");
mlContext.Model.Save(model, data.Schema, zip);
var reloaded = mlContext.Model.Load(zip, out _);
File.Delete(zip);
var before = model.Transform(data).GetColumn<float[]>("Score").ToArray();
var after = reloaded.Transform(data).GetColumn<float[]>("Score").ToArray();
double maxDiff = before.Zip(after, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
Console.WriteLine($"saved and reloaded: max abs score difference {maxDiff:G3}");

if (Environment.GetEnvironmentVariable("MLNETDEEP_CHECK_OUTPUT") is { Length: > 0 } output)
{
    // The network alone (no MapValueToKey), as a serving app receives it, with the rows it must score the same.
    var keyed = model.Take(1).Aggregate(data, (view, step) => step.Transform(view));
    mlContext.Model.Save(model.LastTransformer, keyed.Schema, Path.Combine(output, "model.zip"));
    string Floats(IEnumerable<float> values) => string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
    File.WriteAllLines(Path.Combine(output, "expected.txt"), rows.Select((row, i) => $"{Floats(row.Features)}|{Floats(before[i])}"));
}

if (metrics.MicroAccuracy < 0.9 || maxDiff > 1e-5)
{
    Console.Error.WriteLine($"FAIL: accuracy {metrics.MicroAccuracy} (need 0.9) or reload difference {maxDiff} (need <= 1e-5).");
    return 1;
}
Console.WriteLine("CHECK-APP OK");
return 0;

/// <summary>One training row.</summary>
internal sealed class Row
{
    /// <summary>The class name.</summary>
    public string Label { get; set; } = "";

    /// <summary>Eight features.</summary>
    [VectorType(8)]
    public float[] Features { get; set; } = Array.Empty<float>();
}
