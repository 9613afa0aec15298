using Microsoft.ML.OnnxRuntime;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Onnx;

/// <summary>Opens ONNX Runtime sessions on the GPU when asked for and usable, else on the CPU, as <see cref="GpuPolicy"/> decides.</summary>
internal static class OnnxSessions
{
    /// <summary>
    /// A session for <paramref name="model"/>: CUDA on the requested device when it is set and usable; else the
    /// CPU, with a <paramref name="warning"/> when the request allows fallback and an error otherwise.
    /// </summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="gpu">The device asked for and whether to fall back.</param>
    /// <param name="settings">The threads and spin-waiting of the session.</param>
    /// <param name="warning">Receives the fallback note.</param>
    /// <returns>The session and "CUDA" or "CPU".</returns>
    /// <exception cref="InvalidOperationException">The GPU cannot be used and the request does not allow fallback.</exception>
    public static (InferenceSession Session, string Provider) Open(byte[] model, GpuRequest gpu, OnnxSessionSettings settings, Action<string> warning)
    {
        InferenceSession? cuda = null;
        GpuUnavailable? TryCuda(int device)
        {
            try
            {
                using var cudaOptions = SessionOptions.MakeSessionOptionWithCudaProvider(device);
                settings.Apply(cudaOptions);
                cuda = new InferenceSession(model, cudaOptions);
                return null;
            }
            // The CPU-only native library has no CUDA provider (OnnxRuntimeException, or a missing entry point
            // in older builds); a CUDA build without a usable GPU or CUDA runtime fails the same way.
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                return new GpuUnavailable($"the CUDA execution provider could not be used for GPU {device}",
                    "reference Microsoft.ML.OnnxRuntime.Gpu and install CUDA", e.Message);
            }
        }
        if (GpuPolicy.Choose(gpu, TryCuda, "run", "ONNX Runtime runs on the CPU", warning) is not null)
            return (cuda!, "CUDA");
        using var cpuOptions = new SessionOptions();
        settings.Apply(cpuOptions);
        return (new InferenceSession(model, cpuOptions), "CPU");
    }
}
