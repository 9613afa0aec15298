using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace MLNetDeep.Transforms.Onnx.FeatureExtraction;

/// <summary>Creates the ONNX Runtime session for a feature extractor: CUDA when asked for and available, else CPU.</summary>
internal static class OnnxSessionFactory
{
    public static (InferenceSession Session, string Provider) Create(byte[] model, OnnxFeatureExtractorOptions options)
    {
        if (options.GpuDeviceId is { } device)
        {
            try
            {
                using var cudaOptions = SessionOptions.MakeSessionOptionWithCudaProvider(device);
                Configure(cudaOptions, options);
                return (new InferenceSession(model, cudaOptions), "CUDA");
            }
            // The CPU-only native library has no CUDA provider (OnnxRuntimeException, or a missing entry point
            // in older builds); a CUDA build without a usable GPU or CUDA runtime fails the same way.
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                Warn(options, $"The CUDA execution provider could not be used for GPU {device}, so ONNX Runtime runs on the CPU. " +
                              $"Reference Microsoft.ML.OnnxRuntime.Gpu and install CUDA to use the GPU. Reason: {e.Message}");
            }
        }
        using var cpuOptions = new SessionOptions();
        Configure(cpuOptions, options);
        return (new InferenceSession(model, cpuOptions), "CPU");
    }

    private static void Configure(SessionOptions sessionOptions, OnnxFeatureExtractorOptions options)
    {
        sessionOptions.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
        sessionOptions.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
        sessionOptions.InterOpNumThreads = 1;
        if (options.IntraOpThreads > 0)
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
    }

    private static void Warn(OnnxFeatureExtractorOptions options, string message)
    {
        if (options.Warning is { } warning)
            warning(message);
        else
            Trace.TraceWarning(message);
    }
}
