using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Hosting;

namespace MLNetDeep.Trainers.Tests.Native;

/// <summary>
/// Fit lets the MKL inside libtorch choose its kernels by the CPU's features on AMD CPUs, once per process and before
/// the first matrix multiply, and says so. Each case runs in a fresh process: MKL answers its vendor check once, and
/// any earlier test in this process may already have made it answer.
/// </summary>
public class MathKernelDispatchTests
{
    private static readonly string[] MklVariables = { "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS" };

    [Fact]
    public void The_first_Fit_of_a_process_sets_mkls_answer_on_amd_and_leaves_other_vendors_alone()
    {
        var (log, _) = TrainInProbe(null);
        string expected = !OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64
            ? "MKL's CPU dispatch left as it is (not Linux x64)."
            : Vendor() == "AuthenticAMD"
                ? "MKL: kernels chosen by the CPU's features on this AMD CPU, not by its vendor."
                : $"MKL's CPU dispatch left as it is ({Vendor()} CPU).";
        Assert.Equal(new[] { expected }, log);
    }

    [Fact]
    public void An_environment_that_controls_mkls_dispatch_is_left_alone_and_training_stays_reproducible()
    {
        // AVX512 is the highest ISA MKL knows, so the variable changes nothing but who decides.
        var (log, weights) = TrainInProbe(("MKL_ENABLE_INSTRUCTIONS", "AVX512"));
        Assert.Equal(new[] { "MKL's CPU dispatch left as it is (MKL_ENABLE_INSTRUCTIONS is set)." }, log);
        var (_, again) = TrainInProbe(("MKL_ENABLE_INSTRUCTIONS", "AVX512"));
        Assert.True(weights.AsSpan().SequenceEqual(again), "two seeded runs with the same dispatch gave different weights");
    }

    [Fact]
    public void In_this_process_mkls_cached_answer_agrees_with_what_was_reported()
    {
        // Other tests here may have run a matrix multiply before the first Fit; whatever was reported, the cell agrees.
        string outcome = MathKernelDispatch.EnsureApplied();
        int? answer = MathKernelDispatch.CachedAnswer();
        if (outcome.StartsWith("MKL: ", StringComparison.Ordinal))
            Assert.Equal(1, answer);
        else if (outcome.Contains("already checked the vendor in this process: 0", StringComparison.Ordinal))
            Assert.Equal(0, answer);
        else
            Assert.StartsWith("MKL's CPU dispatch left as it is (", outcome);
    }

    private static string Vendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return string.Concat(new[] { ebx, edx, ecx }.Select(r => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes(r))));
    }

    private static (string[] Log, byte[] Weights) TrainInProbe((string Name, string Value)? environment)
    {
        using var folder = new TempDirectory();
        string weights = Path.Combine(folder.Path, "weights.bin");
        var start = TrainingProbeRunner.StartInfo(Path.Combine(folder.Path, "checkpoints"), 1, weights);
        foreach (var variable in MklVariables)
            start.Environment.Remove(variable);
        if (environment is var (name, value))
            start.Environment[name] = value;
        string stdout = TrainingProbeRunner.Run(start);
        var log = stdout.Split('\n').Where(l => l.StartsWith("log: ", StringComparison.Ordinal)).Select(l => l["log: ".Length..].TrimEnd('\r')).ToArray();
        return (log, File.ReadAllBytes(weights));
    }
}
