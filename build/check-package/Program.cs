// The app that build/check-package.sh builds against the freshly packed MLNetDeep packages, as a user would.
// For now it trains a tiny TorchSharp model and opens ONNX Runtime, which exercises both native packages and the
// GLIBCXX patch. Once the trainer API lands, switch the training part to
// mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions { ... }).
// Contract with the script: print "CHECK-APP OK" and exit 0 on success, exit non-zero otherwise.
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

torch.manual_seed(1);
using var x = torch.randn(256, 4);
using var weights = torch.tensor(new float[] { 1.5f, -2f, 0.5f, 3f }).reshape(4, 1);
using var y = x.matmul(weights) + 0.25f;

var model = torch.nn.Linear(4, 1);
var optimizer = torch.optim.SGD(model.parameters(), 0.1);
var mse = torch.nn.MSELoss();
float first = 0, last = 0;
for (int step = 0; step < 200; step++)
{
    optimizer.zero_grad();
    using var loss = mse.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    last = loss.item<float>();
    if (step == 0)
        first = last;
}

// Which copy of the library the loader really mapped, so a run that loaded an unpatched one is visible in the log.
var loaded = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    .Where(f => f.Length >= 6 && f[5].EndsWith("/libLibTorchSharp.so")).Select(f => f[5]).FirstOrDefault();
Console.WriteLine($"libLibTorchSharp.so loaded from: {loaded ?? "(not found in /proc/self/maps)"}");
Console.WriteLine($"TorchSharp training: loss {first:G4} -> {last:G4}");

// Creating the environment loads libonnxruntime, which is what fails when the native package is missing.
var providers = OrtEnv.Instance().GetAvailableProviders();
Console.WriteLine($"ONNX Runtime providers: {string.Join(", ", providers)}");

if (!(last < first / 100))
{
    Console.Error.WriteLine($"FAIL: the loss fell only from {first} to {last}; expected at least a 100-fold drop.");
    return 1;
}
Console.WriteLine("CHECK-APP OK");
return 0;
