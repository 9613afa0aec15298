using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MLNetDeep.Transforms.Hosting;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.FeatureExtraction;

/// <summary>
/// Creates the ONNX Runtime session for a feature extractor: CUDA when asked for and available, else the CPU, as
/// <see cref="GpuPolicy"/> decides for every MLNetDeep component.
/// </summary>
internal static class OnnxSessionFactory
{
    public static (InferenceSession Session, string Provider) Create(byte[] model, OnnxFeatureExtractorOptions options) =>
        OnnxSessions.Open(model, Request(options), options.SessionSettings, message => Warn(options, message));

    private static GpuRequest Request(OnnxFeatureExtractorOptions options) => new(options.GpuDeviceId, options.FallbackToCpu,
        $"{nameof(OnnxFeatureExtractorOptions)}.{nameof(OnnxFeatureExtractorOptions.GpuDeviceId)}",
        $"{nameof(OnnxFeatureExtractorOptions)}.{nameof(OnnxFeatureExtractorOptions.FallbackToCpu)}");

    private static void Warn(OnnxFeatureExtractorOptions options, string message)
    {
        if (options.Warning is { } warning)
            warning(message);
        else
            Trace.TraceWarning(message);
    }
}
