// Trains a fixed synthetic multiclass problem with checkpoints, then writes the final weights.
// Usage: TrainingProbe <checkpointDir> <epochs> <weightsOut>
//   weightsOut receives every tensor of the network's state, in name order, as raw float32 bytes.
// The tests run it, kill it with SIGKILL mid-run, run it again to resume, and compare the weights
// with an uninterrupted run's. It echoes Fit's log lines about MKL's CPU dispatch ("log: MKL...").
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;

string checkpoints = args[0];
int epochs = int.Parse(args[1], CultureInfo.InvariantCulture);
string weightsOut = args[2];

const int Rows = 3000, Features = 24, Classes = 3;
var random = new Random(17);
var centres = Enumerable.Range(0, Classes).Select(_ => Enumerable.Range(0, Features).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
var rows = Enumerable.Range(0, Rows).Select(i => new Row
{
    Label = "class" + (i % Classes),
    Features = centres[i % Classes].Select(c => (float)(c + 1.5 * (random.NextDouble() - 0.5))).ToArray(),
}).ToList();

var ml = new MLContext(seed: 3);
// What Fit says about the process-wide native settings it makes (MKL's dispatch, malloc), for the tests to read.
ml.Log += (_, e) =>
{
    if (e.RawMessage.StartsWith("MKL", StringComparison.Ordinal))
        Console.WriteLine("log: " + e.RawMessage);
};
var schema = SchemaDefinition.Create(typeof(Row));
schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
var raw = ml.Data.LoadFromEnumerable(rows, schema);
var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);

var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
{
    HiddenLayers = new[] { 256, 256 },
    BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
    DropoutRate = 0.2,
    Epochs = epochs,
    BatchSize = 16,
    ValidationFraction = 0.1,
    EarlyStopping = new EarlyStoppingOptions { Patience = 100 },
    Seed = 5,
    NumberOfThreads = 1,
    CheckpointDirectory = checkpoints,
}).Fit(data);

using (var output = File.Create(weightsOut))
{
    foreach (var (name, tensor) in model.Network.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal))
    {
        var values = tensor.dtype == TorchSharp.torch.ScalarType.Float32
            ? tensor.data<float>().ToArray()
            : tensor.to(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray();
        output.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
Console.WriteLine($"done: {model.History.Epochs.Count} epochs");
// Disposed so that the containment test sees the temporary ONNX file go as well.
model.Dispose();
return 0;

/// <summary>One training row.</summary>
internal sealed class Row
{
    public string Label { get; set; } = "";
    public float[] Features { get; set; } = Array.Empty<float>();
}
