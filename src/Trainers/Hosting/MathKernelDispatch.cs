using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Hosting;

/// <summary>
/// Lets the Intel MKL inside libtorch pick its matrix-multiply kernels by what an AMD CPU can do rather than by
/// who made it. MKL asks <c>mkl_serv_intel_cpu_true</c> once whether the CPU says "GenuineIntel" and, on any other
/// vendor, skips the kernels that the CPU's own feature bits (AVX2, AVX-512) would select. On this project's
/// AMD EPYC (Zen 4, AVX-512) that made libtorch's sgemm run the 784-300-100-10 training step's shapes at 19–102
/// GFLOP/s where the same library reaches 40–108 once the check answers yes, and the training epoch at batch 256 about
/// 8 % slower (BENCHMARKS.md section 10). MKL keeps the answer in a static that the function reads first; this sets
/// that static before MKL's first call in the process, which is all Intel's long-removed <c>MKL_DEBUG_CPU_TYPE=5</c>
/// did. Which kernels run still follows CPUID's feature bits, so nothing runs that the CPU lacks.
/// </summary>
/// <remarks>
/// Process-wide and once, before the first matrix multiply: Linux x64 only, an AMD CPU only, and only when the
/// libtorch loaded is one whose <c>mkl_serv_intel_cpu_true</c> starts with the expected read of its cached answer
/// (any other build is left alone). Skipped when the environment controls MKL's dispatch (<c>MKL_CBWR</c>,
/// <c>MKL_ENABLE_INSTRUCTIONS</c>), when MKL has already answered in this process, and when the app sets the
/// AppContext switch <see cref="OptOutSwitch"/>. Unlike the allocator tuning this changes which kernels compute:
/// results at a fixed seed differ in the last bits from a process without it (accuracy does not; BENCHMARKS.md
/// section 10), and are again bit-reproducible run to run.
/// </remarks>
internal static class MathKernelDispatch
{
    /// <summary>The AppContext switch that leaves MKL's vendor check as MKL has it.</summary>
    public const string OptOutSwitch = "MLNetDeep.Trainers.KeepMklCpuDispatch";

    /// <summary>The exported MKL function whose cached answer is set.</summary>
    public const string VendorCheck = "mkl_serv_intel_cpu_true";

    private const int RTLD_LAZY = 0x1, RTLD_NOLOAD = 0x4;

    private static readonly Lazy<string> Outcome = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Sets MKL's answer the first time it is called in the process; says what was done, for the log.</summary>
    public static string EnsureApplied() => Outcome.Value;

    /// <summary>MKL's cached answer now: 1 (Intel kernels allowed), 0 (not), -1 (not asked yet); null when it cannot be read here.</summary>
    internal static int? CachedAnswer() => FindCachedAnswer(out _) is { } cell ? Marshal.ReadInt32(cell) : null;

    private static string Apply()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return "MKL's CPU dispatch left as it is (not Linux x64)";
        if (AppContext.TryGetSwitch(OptOutSwitch, out bool keep) && keep)
            return $"MKL's CPU dispatch left as it is ({OptOutSwitch})";
        foreach (var variable in new[] { "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS" })
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
                return $"MKL's CPU dispatch left as it is ({variable} is set)";
        }
        string vendor = CpuVendor();
        if (vendor != "AuthenticAMD")
            return $"MKL's CPU dispatch left as it is ({vendor} CPU)";
        // TorchSharp loads libtorch on its first use; make sure that has happened before looking for MKL inside it.
        _ = get_num_threads();
        if (FindCachedAnswer(out string why) is not { } cell)
            return $"MKL's CPU dispatch left as it is ({why})";
        int answer = Marshal.ReadInt32(cell);
        if (answer >= 0)
            return $"MKL's CPU dispatch left as it is (MKL had already checked the vendor in this process: {answer})";
        Marshal.WriteInt32(cell, 1);
        return "MKL: kernels chosen by the CPU's features on this AMD CPU, not by its vendor";
    }

    /// <summary>
    /// The address of the static that <c>mkl_serv_intel_cpu_true</c> caches its answer in, read off its first
    /// instruction (<c>mov eax, [rip + disp32]</c>, then <c>test eax, eax; js; ret</c>), or null with the reason.
    /// </summary>
    private static IntPtr? FindCachedAnswer(out string why)
    {
        why = "";
        IntPtr library;
        try
        {
            // NOLOAD: only the copy TorchSharp already loaded, never a second one found elsewhere on the search path.
            library = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            why = "no dlopen in this C library";
            return null;
        }
        if (library == IntPtr.Zero)
        {
            why = "libtorch_cpu.so is not loaded";
            return null;
        }
        IntPtr function = dlsym(library, VendorCheck);
        if (function == IntPtr.Zero)
        {
            why = $"this libtorch has no {VendorCheck}";
            return null;
        }
        ReadOnlySpan<byte> expected = [0x8B, 0x05, 0, 0, 0, 0, 0x85, 0xC0, 0x78];
        var code = new byte[expected.Length];
        Marshal.Copy(function, code, 0, code.Length);
        for (int i = 0; i < code.Length; i++)
        {
            if (i is >= 2 and < 6)
                continue;
            if (code[i] != expected[i])
            {
                why = $"this MKL build's {VendorCheck} is not the one recognised";
                return null;
            }
        }
        int displacement = BitConverter.ToInt32(code, 2);
        return function + 6 + displacement;
    }

    private static string CpuVendor()
    {
        if (!X86Base.IsSupported)
            return "a non-x86";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> name = stackalloc byte[12];
        BitConverter.TryWriteBytes(name[..4], ebx);
        BitConverter.TryWriteBytes(name[4..8], edx);
        BitConverter.TryWriteBytes(name[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(name);
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr dlopen(string fileName, int flags);

    [DllImport("libc", EntryPoint = "dlsym")]
    private static extern IntPtr dlsym(IntPtr handle, string symbol);
}
