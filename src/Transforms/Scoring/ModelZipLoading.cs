using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Transforms.Scoring;

public static partial class ModelZip
{
    /// <summary>
    /// Verifies the zip at <paramref name="path"/> (<see cref="Verify(string)"/>) and loads it with
    /// <c>mlContext.Model.Load</c>, honouring <see cref="MLContext.FallbackToCpu"/> where ML.NET (5.0.1, 6.0.0) does not.
    /// </summary>
    /// <param name="mlContext">The serving context. With <see cref="MLContext.GpuDeviceId"/> set, the model scores on
    /// that CUDA device when ONNX Runtime offers it.</param>
    /// <param name="path">A model zip written by <c>mlContext.Model.Save</c>.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    /// <returns>The loaded model; dispose it (it is <see cref="IDisposable"/>) to release ONNX Runtime and its temporary graph file.</returns>
    /// <remarks>
    /// ML.NET's <c>OnnxTransformer</c> takes the GPU id from the loading context, and with the CPU package
    /// (Microsoft.ML.OnnxRuntime) crashes on the missing CUDA entry point even with <c>FallbackToCpu</c>. This
    /// method tries CUDA once; when it is missing it logs a warning to <c>mlContext.Log</c> and loads in a CPU-only
    /// context, or throws when <c>FallbackToCpu</c> is false. The zip itself is plain ML.NET, and
    /// <c>mlContext.Model.Load</c> still loads it wherever no GPU is asked for. As with <c>mlContext.Model.Load</c>,
    /// load only zips from trusted sources.
    /// </remarks>
    /// <exception cref="InvalidDataException">The file is not a readable zip, or an entry is damaged.</exception>
    /// <exception cref="InvalidOperationException">A GPU was asked for, ONNX Runtime has no CUDA provider, and <c>FallbackToCpu</c> is false.</exception>
    public static ITransformer Load(MLContext mlContext, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        Hosting.MLNetInternals.EnsureSupported();
        Verify(path);
        var loading = OnnxExecutionProvider.ForScoring(mlContext) as MLContext ?? mlContext;
        return loading.Model.Load(path, out inputSchema);
    }
}
