// Usage: dotnet run -c Release --project bench/reliability -- [epochs=20] [data folder]
// Trains Géron's Fashion-MNIST MLP (300-100, Adam, batch 32) on the 55,000 training images with the 5,000 validation
// images, and prints after every epoch: resident memory (VmRSS), the managed heap, and TorchSharp's live tensor count
// on the training thread. A leak shows as a column that keeps climbing once the first epochs have warmed up.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using TorchSharp;
using MLNetDeep.Datasets;
using MLNetDeep.Trainers;

int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
string? dataDirectory = args.Length > 1 ? args[1] : null;

var ml = new MLContext(seed: 1);
var data = FashionMnist.Load(new FashionMnistOptions { DataDirectory = dataDirectory });
long LiveTensors() => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
double RssMiB() => long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;

Console.WriteLine($"before Fit: RSS {RssMiB():F1} MiB, managed {GC.GetTotalMemory(false) / 1048576.0:F1} MiB, live tensors {LiveTensors()}, libtorch threads {torch.get_num_threads()}");
Console.WriteLine("| epoch | RSS MiB | managed MiB | live tensors | val accuracy | epoch s |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
var clock = Stopwatch.StartNew();
var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
{
    HiddenLayers = new[] { 300, 100 },
    Epochs = epochs,
    BatchSize = 32,
    Seed = 1,
    ValidationSet = data.Validation,
    Progress = new EpochPrinter(r => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Epoch} | {RssMiB():F1} | {GC.GetTotalMemory(false) / 1048576.0:F1} | {LiveTensors()} | {r.Record.ValidationMetric:F4} | {r.Record.Seconds:F1} |"))),
}).Fit(data.Train);
Console.WriteLine($"Fit took {clock.Elapsed.TotalMinutes:F1} min; after Fit: RSS {RssMiB():F1} MiB, live tensors {LiveTensors()}");
model.Dispose();
GC.Collect();
GC.WaitForPendingFinalizers();
Console.WriteLine($"after Dispose: RSS {RssMiB():F1} MiB, managed {GC.GetTotalMemory(true) / 1048576.0:F1} MiB, live tensors {LiveTensors()}");

/// <summary>Runs on the training thread, so the live-tensor count is the training thread's.</summary>
internal sealed class EpochPrinter(Action<EpochReport> report) : IProgress<EpochReport>
{
    public void Report(EpochReport value) => report(value);
}
