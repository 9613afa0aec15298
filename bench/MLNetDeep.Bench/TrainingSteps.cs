using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>Timed training steps of the network benchmarks (figures 7 and 9d), in TorchSharp and in a PyTorch child process.</summary>
internal static class TrainingSteps
{
    /// <summary>
    /// One warm-up step, then <paramref name="steps"/> timed ones, each in its own dispose scope: wall seconds and process
    /// CPU seconds per timed step (CPU time is the steadier figure on a shared machine; with OMP_WAIT_POLICY=PASSIVE
    /// waiting threads sleep instead of spinning, so it counts work).
    /// </summary>
    public static List<(double Seconds, double CpuSeconds)> TorchSharp(int steps, optim.Optimizer optimizer, Func<Tensor> loss)
    {
        var times = new List<(double, double)>();
        var process = Process.GetCurrentProcess();
        for (int step = 0; step <= steps; step++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                var value = loss();
                value.backward();
                optimizer.step();
                value.item<float>();
            }
            var seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            if (step > 0)
                times.Add((seconds, (process.TotalProcessorTime - cpu).TotalSeconds));
        }
        return times;
    }

    /// <summary>
    /// Runs a bench/pytorch script that prints one JSON line per timed step ({"seconds": s} and, where the script measures
    /// it, "cpu_seconds": process CPU time); NaN for a CPU time not given.
    /// </summary>
    public static List<(double Seconds, double CpuSeconds)> PyTorch(string python, IEnumerable<string> arguments, string packages)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {python}.");
        var times = new List<(double, double)>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) != null)
        {
            using var json = JsonDocument.Parse(line);
            var step = json.RootElement;
            times.Add((step.GetProperty("seconds").GetDouble(), step.TryGetProperty("cpu_seconds", out var cpu) ? cpu.GetDouble() : double.NaN));
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {string.Join(' ', psi.ArgumentList.Take(1))} exited with {process.ExitCode}; is {packages} installed (bench/run.sh installs it)?");
        return times;
    }
}
