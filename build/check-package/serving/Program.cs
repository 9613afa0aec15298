// The serving app that build/check-package.sh builds against the freshly packed MLNetDeep.Transforms alone, as a
// user who only scores would write it: no MLNetDeep.Trainers, no TorchSharp, no libtorch. It scores the zip the
// training app left in MLNETDEEP_CHECK_OUTPUT with BatchPredictor and with ModelZip.Load, and checks both against
// the scores the training process computed.
// Contract with the script: print "CHECK-APP OK" and exit 0 on success, exit non-zero otherwise.
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Transforms.Scoring;

string folder = Environment.GetEnvironmentVariable("MLNETDEEP_CHECK_OUTPUT")
    ?? throw new InvalidOperationException("Set MLNETDEEP_CHECK_OUTPUT to the folder holding model.zip and expected.txt.");
string zip = Path.Combine(folder, "model.zip");
float[] Parse(string text) => text.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
var lines = File.ReadAllLines(Path.Combine(folder, "expected.txt")).Select(l => l.Split('|')).ToList();
var features = lines.Select(l => Parse(l[0])).ToList();
var expected = lines.Select(l => Parse(l[1])).ToList();

var mlContext = new MLContext(seed: 1);
Console.WriteLine($"running on Microsoft.ML {typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}");

using var predictor = BatchPredictor.Load<MulticlassBatchPredictor>(mlContext, zip);
var batch = predictor.Predict(features);
double batchDiff = Enumerable.Range(0, features.Count).Max(i => expected[i].Zip(batch.GetScores(i).ToArray(), (a, b) => Math.Abs(a - b)).Max());
Console.WriteLine($"BatchPredictor ({predictor.ExecutionProvider}): {batch.RowCount} rows, max abs score difference {batchDiff:G3}");

var model = ModelZip.Load(mlContext, zip, out _);
var scored = model.Transform(mlContext.Data.LoadFromEnumerable(features.Select(f => new Row { Features = f })));
var scores = scored.GetColumn<float[]>("Score").ToList();
(model as IDisposable)?.Dispose();
double zipDiff = Enumerable.Range(0, features.Count).Max(i => expected[i].Zip(scores[i], (a, b) => Math.Abs(a - b)).Max());
Console.WriteLine($"ModelZip.Load: {scores.Count} rows, max abs score difference {zipDiff:G3}");

var torch = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Where(n => n is not null && n.StartsWith("TorchSharp", StringComparison.Ordinal)).ToList();
if (torch.Count > 0 || scores.Count != features.Count || batchDiff > 1e-5 || zipDiff > 1e-5)
{
    Console.Error.WriteLine($"FAIL: TorchSharp assemblies loaded [{string.Join(", ", torch)}], {scores.Count} of {features.Count} rows scored, " +
                            $"differences {batchDiff} (BatchPredictor) and {zipDiff} (ModelZip.Load), need <= 1e-5.");
    return 1;
}
Console.WriteLine("CHECK-APP OK");
return 0;

/// <summary>One row to score.</summary>
internal sealed class Row
{
    /// <summary>Eight features.</summary>
    [VectorType(8)]
    public float[] Features { get; set; } = Array.Empty<float>();
}
