using System.Runtime.InteropServices;

namespace MLNetDeep.Trainers.Hosting;

/// <summary>
/// Puts glibc's malloc, which libtorch's CPU allocator calls for every tensor, at once where its own adaptive
/// thresholds end up, so the first epoch does not pay for getting there. Every training step allocates and frees
/// activations, gradients and the optimizer's temporaries (each as large as all parameters: 1 MB for the benchmark network).
/// glibc starts by serving anything of 128 KiB or more with a fresh <c>mmap</c> and by returning the top of its heap
/// to the OS as soon as 128 KiB are free there; it raises both thresholds only as it sees larger blocks freed. Until
/// then every such tensor is new memory, faulted in page by page: 130,000–280,000 page faults in the first few
/// hundred steps of the first Fit, which ran those steps 1.3–2× slower (BENCHMARKS.md section 10); the epochs after
/// it fault a few thousand times. The values set here are glibc's own ceilings for the adaptive thresholds
/// (<c>DEFAULT_MMAP_THRESHOLD_MAX</c>, 32 MiB on 64-bit, and twice that for trimming), so the steady state is the
/// one glibc would reach anyway.
/// </summary>
/// <remarks>
/// Process-wide and once: on Linux with glibc only (musl and other platforms are left alone), and not when the
/// environment already tunes malloc (<c>MALLOC_MMAP_THRESHOLD_</c>, <c>MALLOC_TRIM_THRESHOLD_</c>,
/// <c>MALLOC_TOP_PAD_</c>, <c>GLIBC_TUNABLES</c>) or when the app sets the AppContext switch
/// <see cref="OptOutSwitch"/>. It changes where memory comes from, never what is computed.
/// </remarks>
internal static class NativeAllocatorTuning
{
    /// <summary>The AppContext switch that leaves malloc as the process has it.</summary>
    public const string OptOutSwitch = "MLNetDeep.Trainers.KeepNativeAllocatorSettings";

    /// <summary>glibc's ceiling for the adaptive mmap threshold on 64-bit (<c>DEFAULT_MMAP_THRESHOLD_MAX</c>).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>What glibc pairs with it: twice the mmap threshold.</summary>
    public const int TrimThreshold = 2 * MmapThreshold;

    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;

    private static readonly Lazy<string> Outcome = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Applies the thresholds the first time it is called in the process; says what was done, for the log.</summary>
    public static string EnsureApplied() => Outcome.Value;

    private static string Apply()
    {
        if (!OperatingSystem.IsLinux())
            return "native allocator left as it is (not Linux)";
        if (AppContext.TryGetSwitch(OptOutSwitch, out bool keep) && keep)
            return $"native allocator left as it is ({OptOutSwitch})";
        foreach (var variable in new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES" })
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
                return $"native allocator left as it is ({variable} is set)";
        }
        try
        {
            // gnu_get_libc_version exists only in glibc; musl's mallopt is a no-op stub anyway.
            gnu_get_libc_version();
            // mallopt returns 1 on success. The order matters: setting either disables glibc's adaptation of both.
            if (mallopt(M_MMAP_THRESHOLD, MmapThreshold) != 1 || mallopt(M_TRIM_THRESHOLD, TrimThreshold) != 1)
                return "native allocator left as it is (mallopt refused the thresholds)";
            return $"glibc malloc: mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return "native allocator left as it is (not glibc)";
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr gnu_get_libc_version();
}
