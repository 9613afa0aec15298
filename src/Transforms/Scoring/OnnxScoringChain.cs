using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Onnx;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// The layout of an MLNetDeep scoring chain, in one place: <see cref="Build"/> assembles it when a trainer fits
/// (the feature-width check, ML.NET's <c>OnnxTransformer</c> running the exported graph, a prediction head), and
/// <see cref="Read"/> takes a loaded one apart again for <c>BatchPredictor</c>. The chain saves and loads with
/// <c>mlContext.Model.Save/Load</c> using Microsoft.ML, Microsoft.ML.OnnxTransformer and ONNX Runtime only.
/// </summary>
internal static class OnnxScoringChain
{
    /// <summary>
    /// The chain that serves <paramref name="onnxModel"/>: <see cref="FeatureWidthCheck"/> on
    /// <paramref name="featureColumn"/>, the OnnxTransformer writing <paramref name="outputColumn"/>, then the head
    /// <paramref name="createHead"/> builds on the schema with that column.
    /// </summary>
    /// <param name="environment">The user's <see cref="MLContext"/>, or the environment behind its catalogs.</param>
    /// <param name="onnxModel">The serialized ONNX model, one input named like the feature column and one output.</param>
    /// <param name="inputSchema">The schema of the training data.</param>
    /// <param name="featureColumn">The feature column, which is also the graph's input name.</param>
    /// <param name="outputColumn">The graph's output name, which the head reads.</param>
    /// <param name="createHead">Builds the prediction head on the schema that holds <paramref name="outputColumn"/>.</param>
    public static TransformerChain<ITransformer> Build(IHostEnvironment environment, byte[] onnxModel, DataViewSchema inputSchema,
        string featureColumn, string outputColumn, Func<DataViewSchema, ITransformer> createHead)
    {
        ArgumentNullException.ThrowIfNull(createHead);
        var onnx = CreateOnnxTransformer(environment, onnxModel, featureColumn, outputColumn, inputSchema);
        try
        {
            var head = createHead(onnx.GetOutputSchema(inputSchema));
            // Makes a loaded zip reject a wrong feature width when bound, not deep inside ONNX Runtime.
            var widthCheck = FeatureWidthCheck.Create(environment, inputSchema, featureColumn);
            return Chain(widthCheck, onnx, head);
        }
        catch
        {
            Release(onnx);
            throw;
        }
    }

    /// <summary>Takes apart <paramref name="model"/>, a chain <see cref="Build"/> made, loaded from <paramref name="source"/> (named in errors).</summary>
    /// <exception cref="InvalidDataException">The chain is not [width check,] OnnxTransformer, prediction transformer.</exception>
    public static ScoringChainParts Read(ITransformer model, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        var members = Flatten(model).ToList();
        var core = members.Count > 0 && FeatureWidthCheck.IsWidthCheck(members[0]) ? members.Skip(1).ToList() : members;
        if (core.Count != 2 || core[0] is not OnnxTransformer onnx)
        {
            throw new InvalidDataException(
                $"{source} is not an MLNetDeep model: its transformers are [{string.Join(", ", members.Select(Describe))}], " +
                "but an MLNetDeep scoring chain is ML.NET's OnnxTransformer followed by a prediction transformer " +
                "(what Fit returns for mlContext.<Task>.Trainers.DeepNeuralNetwork, saved with mlContext.Model.Save).");
        }
        var (inputs, outputs) = (MLNetInternals.InputColumns(onnx), MLNetInternals.OutputColumns(onnx));
        if (inputs.Length != 1 || outputs.Length != 1)
            throw new InvalidDataException($"{source} is not an MLNetDeep model: its ONNX graph has {inputs.Length} inputs and {outputs.Length} outputs; MLNetDeep graphs have one of each.");
        return new ScoringChainParts(MLNetInternals.GraphBytes(onnx), inputs[0], outputs[0], core[1]);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain && !FeatureWidthCheck.IsWidthCheck(transformer) ? chain.SelectMany(Flatten) : new[] { transformer };

    private static string Describe(ITransformer transformer)
    {
        var type = transformer.GetType();
        return type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(a => a.Name))}>" : type.Name;
    }

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
        var file = TemporaryModelFile.Write(MLNetInternals.TempFilePath(environment), onnxModel);
        try
        {
            var estimator = MLNetInternals.Transforms(scoring).ApplyOnnxModel(
                new[] { outputColumn }, new[] { inputColumn }, file.Path,
                MLNetInternals.GpuDeviceId(scoring), MLNetInternals.FallbackToCpu(scoring));
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
