using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Runtime;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// Assembles the ML.NET transformer that serves a network: ML.NET's <c>OnnxTransformer</c> running the
/// exported graph, followed by a prediction head. The result saves and loads with
/// <c>mlContext.Model.Save/Load</c> using Microsoft.ML, Microsoft.ML.OnnxTransformer and ONNX Runtime only.
/// </summary>
public static class OnnxScoringChain
{
    /// <summary>
    /// Creates the <c>OnnxTransformer</c> for <paramref name="onnxModel"/>, reading the feature column
    /// named like the graph's input and writing a column named like its output. It honours
    /// <see cref="MLContext.GpuDeviceId"/> and <see cref="MLContext.FallbackToCpu"/>.
    /// </summary>
    /// <param name="environment">The user's <see cref="MLContext"/>, or the environment behind its catalogs.</param>
    /// <param name="onnxModel">The serialized ONNX model.</param>
    /// <param name="inputColumn">The graph's input name, which is also the feature column's name.</param>
    /// <param name="outputColumn">The graph's output name, which becomes a new column.</param>
    /// <param name="inputSchema">The schema of the data the chain will score.</param>
    /// <remarks>
    /// ML.NET's OnnxTransformer reads the model from a file while it lives (and again when saved); the file is
    /// written to <see cref="MLContext.TempFilePath"/> and deleted by <see cref="Release"/>, or when the
    /// transformer is garbage-collected.
    /// </remarks>
    /// <exception cref="InvalidDataException">ONNX Runtime cannot load <paramref name="onnxModel"/>: it is damaged or not an ONNX model.</exception>
    public static ITransformer CreateOnnxTransformer(IHostEnvironment environment, byte[] onnxModel, string inputColumn, string outputColumn, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(onnxModel);
        var scoring = OnnxExecutionProvider.ForScoring(environment);
        var file = TemporaryModelFile.Write(HostEnvironmentSettings.TempFilePath(environment), onnxModel);
        try
        {
            var estimator = HostEnvironmentSettings.Transforms(scoring).ApplyOnnxModel(
                new[] { outputColumn }, new[] { inputColumn }, file.Path,
                HostEnvironmentSettings.GpuDeviceId(scoring), HostEnvironmentSettings.FallbackToCpu(scoring));
            var transformer = estimator.Fit(new EmptyDataView(inputSchema));
            file.AttachTo(transformer);
            return transformer;
        }
        catch (Exception ex) when (IsMissingOnnxRuntimeNative(ex))
        {
            file.Dispose();
            throw new InvalidOperationException(
                "ONNX Runtime's native library could not be loaded. MLNetDeep references only Microsoft.ML.OnnxRuntime.Managed; " +
                "the application must reference Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu.", ex);
        }
        catch (Exception ex) when (FindOnnxRuntimeError(ex) is { } rejected)
        {
            file.Dispose();
            // ML.NET's own message embeds a whole stack trace; ONNX Runtime's reason is the useful part.
            throw new InvalidDataException(
                $"ONNX Runtime could not load the {onnxModel.Length}-byte ONNX model for column '{inputColumn}': {rejected.Message} " +
                "The bytes are damaged or are not an ONNX model; export the network again.", ex);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Disposes the transformers of <paramref name="transformer"/> (a chain, or one transformer), releasing their
    /// ONNX Runtime sessions, and deletes the temporary ONNX files <see cref="CreateOnnxTransformer"/> wrote for them.
    /// They cannot score afterwards.
    /// </summary>
    /// <param name="transformer">A chain from <see cref="Chain"/>, or a transformer from <see cref="CreateOnnxTransformer"/>.</param>
    public static void Release(ITransformer transformer)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        var members = transformer is IEnumerable<ITransformer> chain ? chain.ToList() : new List<ITransformer> { transformer };
        foreach (var member in members)
        {
            (member as IDisposable)?.Dispose();
            TemporaryModelFile.ReleaseFrom(member);
        }
        (transformer as IDisposable)?.Dispose();
    }

    private static OnnxRuntimeException? FindOnnxRuntimeError(Exception? ex)
    {
        for (; ex != null; ex = ex.InnerException)
        {
            if (ex is OnnxRuntimeException ort)
                return ort;
        }
        return null;
    }

    /// <summary>Chains the transformers in order.</summary>
    /// <param name="transformers">The transformers, first applied first.</param>
    public static TransformerChain<ITransformer> Chain(params ITransformer[] transformers) => new(transformers);

    private static bool IsMissingOnnxRuntimeNative(Exception? ex)
    {
        for (; ex != null; ex = ex.InnerException)
        {
            if (ex is DllNotFoundException || (ex is TypeInitializationException && ex.Message.Contains("OnnxRuntime", StringComparison.OrdinalIgnoreCase)))
                return true;
        }
        return false;
    }
}
