using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>Timed training steps of the network benchmarks (figures 7 and 9d), in TorchSharp and in a PyTorch child process.</summary>
internal static class TrainingSteps
{
    /// <summary>One warm-up step, then <paramref name="steps"/> timed ones, each in its own dispose scope; seconds per timed step.</summary>
    public static List<double> TorchSharp(int steps, optim.Optimizer optimizer, Func<Tensor> loss)
    {
        var times = new List<double>();
        for (int step = 0; step <= steps; step++)
        {
            var clock = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                var value = loss();
                value.backward();
                optimizer.step();
                value.item<float>();
            }
            if (step > 0)
                times.Add(clock.Elapsed.TotalSeconds);
        }
        return times;
    }

    /// <summary>Runs a bench/pytorch script that prints one JSON line per timed step ({"seconds": s}); seconds per step.</summary>
    public static List<double> PyTorch(string python, IEnumerable<string> arguments, string packages)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {python}.");
        var times = new List<double>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) != null)
        {
            using var json = JsonDocument.Parse(line);
            times.Add(json.RootElement.GetProperty("seconds").GetDouble());
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {string.Join(' ', psi.ArgumentList.Take(1))} exited with {process.ExitCode}; is {packages} installed (bench/run.sh installs it)?");
        return times;
    }
}
