using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.FeatureExtraction;

/// <summary>Creates the ONNX Runtime session for a feature extractor: CUDA when asked for and available, else CPU.</summary>
internal static class OnnxSessionFactory
{
    public static (InferenceSession Session, string Provider) Create(byte[] model, OnnxFeatureExtractorOptions options) =>
        OnnxSessions.Open(model, options.GpuDeviceId, fallbackToCpu: true, options.IntraOpThreads, message => Warn(options, message));

    private static void Warn(OnnxFeatureExtractorOptions options, string message)
    {
        if (options.Warning is { } warning)
            warning(message);
        else
            Trace.TraceWarning(message);
    }
}
