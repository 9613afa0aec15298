using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Runtime;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// Decides whether the ML.NET scoring chain asks ONNX Runtime for CUDA. ML.NET's OnnxTransformer (5.0.1 and 6.0.0)
/// falls back to the CPU only on an <c>OnnxRuntimeException</c>; with the CPU package (Microsoft.ML.OnnxRuntime) the
/// CUDA entry point does not exist at all and it crashes with <see cref="EntryPointNotFoundException"/> instead, even
/// with <c>FallbackToCpu</c>, and it takes the GPU id from the context even when the caller passes none. So the
/// chain makes the same call ML.NET will make, once, and applies <see cref="GpuPolicy"/>: on fallback it builds the
/// transformer in a CPU-only context.
/// (<c>OrtEnv.GetAvailableProviders</c> is no help: the CPU package lists the CUDA provider too.)
/// </summary>
internal static class OnnxExecutionProvider
{
    /// <summary>
    /// The environment to build the OnnxTransformer in: <paramref name="environment"/> itself when it asks for no
    /// GPU or ONNX Runtime accepts CUDA; when it does not and <c>FallbackToCpu</c> is set, a context without a GPU
    /// (same temporary folder), after a warning in <c>mlContext.Log</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A GPU was asked for, ONNX Runtime has no CUDA provider, and <c>FallbackToCpu</c> is false.</exception>
    public static IHostEnvironment ForScoring(IHostEnvironment environment)
    {
        var device = GpuPolicy.Choose(GpuRequest.Of(environment), CudaUnavailable, "score", "the model is scoring on the CPU", message =>
        {
            using var channel = environment.Start("MLNetDeep scoring");
            channel.Warning(MessageSensitivity.None, message);
        });
        return device is null && MLNetInternals.GpuDeviceId(environment) is not null ? CpuOnly(environment) : environment;
    }

    /// <summary>
    /// A context that asks for no GPU, writing temporary files where <paramref name="environment"/> does: for
    /// building or loading OnnxTransformers that must not open a CUDA session.
    /// </summary>
    public static Microsoft.ML.MLContext CpuOnly(IHostEnvironment environment) =>
        new(seed: 0) { TempFilePath = MLNetInternals.TempFilePath(environment) };

    private static GpuUnavailable? CudaUnavailable(int gpu) => CudaErrors.GetOrAdd(gpu, static device =>
    {
        try
        {
            using var options = new SessionOptions();
            options.AppendExecutionProvider_CUDA(device);
            return null;
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException)
        {
            return new GpuUnavailable(
                $"the ONNX Runtime native library in this process has no CUDA execution provider ({ex.Message})",
                "reference Microsoft.ML.OnnxRuntime.Gpu instead of Microsoft.ML.OnnxRuntime, with CUDA installed");
        }
    });

    // The answer cannot change within a process: one native library is loaded once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, GpuUnavailable?> CudaErrors = new();
}
