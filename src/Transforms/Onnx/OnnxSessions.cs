using Microsoft.ML.OnnxRuntime;

namespace MLNetDeep.Transforms.Onnx;

/// <summary>Opens ONNX Runtime sessions on the GPU when asked for and available, else on the CPU.</summary>
internal static class OnnxSessions
{
    /// <summary>
    /// A session for <paramref name="model"/>: CUDA on <paramref name="gpuDeviceId"/> when it is set and usable; else
    /// the CPU, with a <paramref name="warning"/> when <paramref name="fallbackToCpu"/> and an error otherwise.
    /// </summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="gpuDeviceId">The CUDA device, or null for the CPU.</param>
    /// <param name="fallbackToCpu">Whether a GPU that cannot be used means the CPU rather than an error.</param>
    /// <param name="intraOpThreads">ONNX Runtime's intra-op threads; 0 for its default.</param>
    /// <param name="warning">Receives the fallback note.</param>
    /// <returns>The session and "CUDA" or "CPU".</returns>
    /// <exception cref="InvalidOperationException">The GPU cannot be used and <paramref name="fallbackToCpu"/> is false.</exception>
    public static (InferenceSession Session, string Provider) Open(byte[] model, int? gpuDeviceId, bool fallbackToCpu, int intraOpThreads, Action<string> warning)
    {
        if (gpuDeviceId is { } device)
        {
            try
            {
                using var cudaOptions = SessionOptions.MakeSessionOptionWithCudaProvider(device);
                Configure(cudaOptions, intraOpThreads);
                return (new InferenceSession(model, cudaOptions), "CUDA");
            }
            // The CPU-only native library has no CUDA provider (OnnxRuntimeException, or a missing entry point
            // in older builds); a CUDA build without a usable GPU or CUDA runtime fails the same way.
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                if (!fallbackToCpu)
                {
                    throw new InvalidOperationException(
                        $"The CUDA execution provider could not be used for GPU {device} ({e.Message}). Reference " +
                        "Microsoft.ML.OnnxRuntime.Gpu and install CUDA, or set MLContext.FallbackToCpu = true to run on the CPU.", e);
                }
                warning($"The CUDA execution provider could not be used for GPU {device}, so ONNX Runtime runs on the CPU. " +
                        $"Reference Microsoft.ML.OnnxRuntime.Gpu and install CUDA to use the GPU. Reason: {e.Message}");
            }
        }
        using var cpuOptions = new SessionOptions();
        Configure(cpuOptions, intraOpThreads);
        return (new InferenceSession(model, cpuOptions), "CPU");
    }

    private static void Configure(SessionOptions sessionOptions, int intraOpThreads)
    {
        sessionOptions.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
        sessionOptions.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
        sessionOptions.InterOpNumThreads = 1;
        if (intraOpThreads > 0)
            sessionOptions.IntraOpNumThreads = intraOpThreads;
    }
}
