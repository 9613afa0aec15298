// The MLNetDeep side of `bench/run.sh versus` (issue 14): one Fit of the 784-BN-300-100-10 MLP on the 55,000
// Fashion-MNIST training rows, as a user's app writes it (public API only), printing one JSON line per epoch
// from History, like bench/pytorch/versus.py does for PyTorch. run.sh alternates the two processes.
//
//   dotnet bench/Versus/bin/Release/net10.0/linux-x64/Versus.dll --data DIR --batch 32 --epochs 3 --threads 1 [--rows N] [--seed S]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MLNetDeep.Datasets;
using MLNetDeep.Trainers;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string? Argument(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
int batch = int.Parse(Argument("--batch") ?? "32", CultureInfo.InvariantCulture);
int epochs = int.Parse(Argument("--epochs") ?? "3", CultureInfo.InvariantCulture);
int threads = int.Parse(Argument("--threads") ?? "1", CultureInfo.InvariantCulture);
int seed = int.Parse(Argument("--seed") ?? "1", CultureInfo.InvariantCulture);
int? rows = Argument("--rows") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : null;

var process = Stopwatch.StartNew();
var data = FashionMnist.Load(new FashionMnistOptions { DataDirectory = Argument("--data"), AllowDownload = false, MaxTrainRows = rows });
var mlContext = new MLContext(seed: seed);
var options = new DeepNeuralNetworkOptions
{
    HiddenLayers = new[] { 300, 100 },
    InputBatchNormalization = true,
    BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
    Activation = ActivationFunction.ReLU,
    DropoutRate = 0.2,
    Optimizer = OptimizerKind.Adam,
    LearningRate = 1e-3,
    Epochs = epochs,
    BatchSize = batch,
    Seed = seed,
    NumberOfThreads = threads,
};
var fitClock = Stopwatch.StartNew();
using var model = mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data.Train);
double fit = fitClock.Elapsed.TotalSeconds;
foreach (var epoch in model.History.Epochs)
{
    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["contender"] = "mlnetdeep", ["epoch"] = epoch.Epoch, ["seconds"] = epoch.Seconds, ["loss"] = epoch.TrainLoss, ["accuracy"] = epoch.TrainMetric,
    }));
}
// After the clock: the test images' accuracy, so that a change of kernels can be checked for accuracy over seeds.
var test = mlContext.MulticlassClassification.Evaluate(model.Transform(data.Test));
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["contender"] = "mlnetdeep", ["test_accuracy"] = test.MicroAccuracy, ["fit_seconds"] = fit, ["outside_epochs_seconds"] = fit - model.History.Epochs.Sum(e => e.Seconds),
    ["process_seconds"] = process.Elapsed.TotalSeconds,
}));
