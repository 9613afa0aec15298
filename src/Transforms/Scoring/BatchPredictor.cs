using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// Scores many rows at once with a saved MLNetDeep model: it reads the ONNX graph and the prediction head out of a
/// standard model zip (or a fitted or loaded model) and runs ONNX Runtime on [rows, features] tensors of up to
/// <see cref="BatchPredictorOptions.BatchSize"/> rows, instead of once per row as ML.NET's OnnxTransformer does.
/// The results are those of <c>model.Transform</c> on the same rows (<see cref="MulticlassBatchPredictor"/>,
/// <see cref="BinaryBatchPredictor"/>, <see cref="RegressionBatchPredictor"/>).
/// </summary>
/// <remarks>
/// <para>
/// The zip is used as it is: no MLNetDeep-specific file, no TorchSharp. The graph runs on the CPU, or on the GPU
/// named by <see cref="MLContext.GpuDeviceId"/> (with the Microsoft.ML.OnnxRuntime.Gpu package), falling back to the
/// CPU with a warning in <c>mlContext.Log</c> when <see cref="MLContext.FallbackToCpu"/> is set, as the zip's own
/// OnnxTransformer does.
/// </para>
/// <para>
/// <c>Predict</c> may be called from several threads at once; each call allocates its own buffers. Dispose the
/// predictor to release the ONNX Runtime session.
/// </para>
/// <para>
/// A zip is an ML.NET model: as with <c>mlContext.Model.Load</c>, load only zips from trusted sources.
/// </para>
/// </remarks>
public abstract class BatchPredictor : IDisposable
{
    private readonly OnnxBatchSession _session;

    private protected BatchPredictor(OnnxBatchSession session, string featureColumnName)
    {
        _session = session;
        FeatureColumnName = featureColumnName;
    }

    /// <summary>What the model predicts.</summary>
    public abstract ScoringTask Task { get; }

    /// <summary>The feature column the model reads (the ONNX graph's input name).</summary>
    public string FeatureColumnName { get; }

    /// <summary>Floats per row: each row passed to <c>Predict</c> must have exactly this many.</summary>
    public int FeatureCount => _session.FeatureCount;

    /// <summary>Where ONNX Runtime runs the graph: "CPU" or "CUDA".</summary>
    public string ExecutionProvider => _session.ExecutionProvider;

    /// <summary>Opens the model zip at <paramref name="path"/>, written by <c>mlContext.Model.Save</c>.</summary>
    /// <param name="mlContext">The context whose GPU settings and log apply.</param>
    /// <param name="path">The model zip.</param>
    /// <param name="options">Batch size and threads; null for the defaults.</param>
    /// <returns>A <see cref="MulticlassBatchPredictor"/>, <see cref="BinaryBatchPredictor"/> or <see cref="RegressionBatchPredictor"/>.</returns>
    /// <exception cref="InvalidDataException">The file is not an ML.NET model zip, or not an MLNetDeep one.</exception>
    public static BatchPredictor Load(MLContext mlContext, string path, BatchPredictorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Load(mlContext, stream, options, $"The model zip '{path}'");
    }

    /// <summary>Opens a model zip read from <paramref name="zip"/>, written by <c>mlContext.Model.Save</c>.</summary>
    /// <param name="mlContext">The context whose GPU settings and log apply.</param>
    /// <param name="zip">A readable, seekable stream at the start of the zip; it is left open.</param>
    /// <param name="options">Batch size and threads; null for the defaults.</param>
    /// <returns>A <see cref="MulticlassBatchPredictor"/>, <see cref="BinaryBatchPredictor"/> or <see cref="RegressionBatchPredictor"/>.</returns>
    /// <exception cref="InvalidDataException">The stream is not an ML.NET model zip, or not an MLNetDeep one.</exception>
    public static BatchPredictor Load(MLContext mlContext, Stream zip, BatchPredictorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(zip);
        return Load(mlContext, zip, options, "The model zip");
    }

    /// <summary>
    /// Wraps a fitted MLNetDeep model (what <c>Fit</c> returned) or one loaded with <c>mlContext.Model.Load</c>.
    /// The model is saved to memory and read back, so the predictor scores exactly what its zip would.
    /// </summary>
    /// <param name="mlContext">The context whose GPU settings and log apply.</param>
    /// <param name="model">The model; it is not changed and stays usable.</param>
    /// <param name="options">Batch size and threads; null for the defaults.</param>
    /// <returns>A <see cref="MulticlassBatchPredictor"/>, <see cref="BinaryBatchPredictor"/> or <see cref="RegressionBatchPredictor"/>.</returns>
    /// <exception cref="InvalidDataException">The model is not an MLNetDeep scoring chain.</exception>
    public static BatchPredictor Create(MLContext mlContext, ITransformer model, BatchPredictorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        using var zip = new MemoryStream();
        mlContext.Model.Save(model, null, zip);
        zip.Position = 0;
        return Load(mlContext, zip, options, "The model");
    }

    /// <summary>
    /// Opens the model zip at <paramref name="path"/> as a <typeparamref name="TPredictor"/>, e.g.
    /// <c>BatchPredictor.Load&lt;MulticlassBatchPredictor&gt;(mlContext, "model.zip")</c>.
    /// </summary>
    /// <typeparam name="TPredictor"><see cref="MulticlassBatchPredictor"/>, <see cref="BinaryBatchPredictor"/> or <see cref="RegressionBatchPredictor"/>.</typeparam>
    /// <param name="mlContext">The context whose GPU settings and log apply.</param>
    /// <param name="path">The model zip.</param>
    /// <param name="options">Batch size and threads; null for the defaults.</param>
    /// <exception cref="InvalidDataException">The zip is not an MLNetDeep model, or is one of another task; the message names both tasks.</exception>
    public static TPredictor Load<TPredictor>(MLContext mlContext, string path, BatchPredictorOptions? options = null)
        where TPredictor : BatchPredictor => As<TPredictor>(Load(mlContext, path, options));

    /// <summary>Opens a model zip read from <paramref name="zip"/> as a <typeparamref name="TPredictor"/>.</summary>
    /// <typeparam name="TPredictor"><see cref="MulticlassBatchPredictor"/>, <see cref="BinaryBatchPredictor"/> or <see cref="RegressionBatchPredictor"/>.</typeparam>
    /// <param name="mlContext">The context whose GPU settings and log apply.</param>
    /// <param name="zip">A readable, seekable stream at the start of the zip; it is left open.</param>
    /// <param name="options">Batch size and threads; null for the defaults.</param>
    /// <exception cref="InvalidDataException">The zip is not an MLNetDeep model, or is one of another task.</exception>
    public static TPredictor Load<TPredictor>(MLContext mlContext, Stream zip, BatchPredictorOptions? options = null)
        where TPredictor : BatchPredictor => As<TPredictor>(Load(mlContext, zip, options));

    /// <summary>Wraps a fitted or loaded model as a <typeparamref name="TPredictor"/>; see <see cref="Create(MLContext, ITransformer, BatchPredictorOptions?)"/>.</summary>
    /// <typeparam name="TPredictor"><see cref="MulticlassBatchPredictor"/>, <see cref="BinaryBatchPredictor"/> or <see cref="RegressionBatchPredictor"/>.</typeparam>
    /// <param name="mlContext">The context whose GPU settings and log apply.</param>
    /// <param name="model">The model; it is not changed and stays usable.</param>
    /// <param name="options">Batch size and threads; null for the defaults.</param>
    /// <exception cref="InvalidDataException">The model is not an MLNetDeep scoring chain, or is one of another task.</exception>
    public static TPredictor Create<TPredictor>(MLContext mlContext, ITransformer model, BatchPredictorOptions? options = null)
        where TPredictor : BatchPredictor => As<TPredictor>(Create(mlContext, model, options));

    private static BatchPredictor Load(MLContext mlContext, Stream zip, BatchPredictorOptions? options, string source)
    {
        options ??= new BatchPredictorOptions();
        options.Validate();
        Hosting.MLNetInternals.EnsureSupported();
        ITransformer chain;
        try
        {
            // A CPU-only context: the chain is only taken apart, and a GPU context would make it open a CUDA session too.
            // Its temporary ONNX file goes where the caller's context puts them, and is deleted with the chain below.
            chain = OnnxExecutionProvider.CpuOnly(mlContext).Model.Load(zip, out _);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException or IOException)
        {
            throw new InvalidDataException($"{source} cannot be loaded as an ML.NET model ({ex.Message}).", ex);
        }
        try
        {
            var parts = OnnxScoringChain.Read(chain, source);
            var host = ((IHostEnvironment)mlContext).Register(nameof(BatchPredictor));
            using var channel = host.Start("Session");
            var session = OnnxBatchSession.Create(parts.OnnxModel, parts.InputColumn, parts.OutputColumn, options,
                Hosting.GpuRequest.Of(mlContext), message => channel.Warning(MessageSensitivity.None, message));
            try
            {
                return parts.Head switch
                {
                    var head when MulticlassBatchPredictor.TryCreate(session, parts, head) is { } multiclass => multiclass,
                    var head when BinaryBatchPredictor.TryCreate(session, parts, head) is { } binary => binary,
                    var head when RegressionBatchPredictor.TryCreate(session, parts, head) is { } regression => regression,
                    var head => throw new InvalidDataException(
                        $"{source} is not an MLNetDeep model: its prediction transformer is {head.GetType().Name} reading '{parts.OutputColumn}', " +
                        "but MLNetDeep heads are ML.NET's multiclass, binary (Platt-calibrated) or regression transformers over an identity linear model."),
                };
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }
        finally
        {
            (chain as IDisposable)?.Dispose();
        }
    }

    /// <summary>Throws unless <paramref name="predictor"/> is a <typeparamref name="TPredictor"/>, naming both.</summary>
    private static TPredictor As<TPredictor>(BatchPredictor predictor)
        where TPredictor : BatchPredictor
    {
        if (predictor is TPredictor typed)
            return typed;
        predictor.Dispose();
        throw new InvalidDataException(
            $"The model is a {predictor.Task} model, which {predictor.GetType().Name} scores, not {typeof(TPredictor).Name}. " +
            "Use BatchPredictor.Load without a type argument to get the predictor for the model's task.");
    }

    /// <summary>The network's outputs for <paramref name="rows"/>, row-major: <c>rows.Length / FeatureCount</c> rows.</summary>
    private protected float[] RunNetwork(ReadOnlySpan<float> rows, out int rowCount)
    {
        if (rows.Length % FeatureCount != 0)
        {
            throw new ArgumentException(
                $"The rows hold {rows.Length} floats, which is not a whole number of rows of {FeatureCount} features for column '{FeatureColumnName}'.", nameof(rows));
        }
        rowCount = rows.Length / FeatureCount;
        return _session.Run(rows, rowCount);
    }

    /// <summary>The network's outputs for <paramref name="rows"/>, one array of <see cref="FeatureCount"/> floats per row.</summary>
    private protected float[] RunNetwork(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var features = new float[checked(rows.Count * FeatureCount)];
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Length != FeatureCount)
                throw new ArgumentException($"Row {i} has {row.Length} features; column '{FeatureColumnName}' of this model has {FeatureCount}.", nameof(rows));
            row.CopyTo(features, i * FeatureCount);
        }
        return _session.Run(features, rows.Count);
    }

    /// <summary>The network's outputs for every row of <paramref name="data"/>'s feature column.</summary>
    private protected float[] RunNetwork(IDataView data, out int rowCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        var column = data.Schema.GetColumnOrNull(FeatureColumnName)
            ?? throw new ArgumentException($"The data has no column '{FeatureColumnName}', the model's feature column.", nameof(data));
        if (column.Type is not VectorDataViewType { ItemType: var item } vector || item != NumberDataViewType.Single || vector.Size != FeatureCount)
            throw new ArgumentException($"Column '{FeatureColumnName}' is {column.Type}; the model needs Vector<Single, {FeatureCount}>.", nameof(data));
        (var outputs, rowCount) = _session.Run(data, column);
        return outputs;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _session.Dispose();
        GC.SuppressFinalize(this);
    }
}
