using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Trainers;

/// <summary>
/// A trained deep neural network as an ML.NET transformer. Scoring runs the exported ONNX graph
/// through ML.NET's <c>OnnxTransformer</c> and ML.NET's own prediction transformer
/// (<see cref="ScoringChain"/>), so <c>mlContext.Model.Save</c> writes an ordinary model zip that
/// loads with Microsoft.ML, Microsoft.ML.OnnxTransformer and ONNX Runtime alone, with no TorchSharp.
/// </summary>
/// <remarks>
/// A zip loaded back with <c>mlContext.Model.Load</c> is a <c>TransformerChain&lt;ITransformer&gt;</c>
/// that scores identically; the training history, the network description and the in-memory
/// TorchSharp network exist only on the object <c>Fit</c> returned.
/// <para>
/// It is an <see cref="ISingleFeaturePredictionTransformer{TModel}"/> over <see cref="FeatureColumnName"/>, so
/// ML.NET's typed permutation feature importance takes it as it is
/// (<c>mlContext.BinaryClassification.PermutationFeatureImportance(model.LastTransformer, transformedData)</c>) and
/// permutes the trainer's own input features. ML.NET's <c>ITransformer</c> overloads, which return a dictionary by
/// feature name, recognise only ML.NET's own prediction transformers (through an internal interface); use
/// <c>PermutationFeatureImportanceByName</c> and <c>PermutationFeatureImportanceNonCalibratedByName</c>
/// (<see cref="Microsoft.ML.DeepNeuralNetworkFeatureImportance"/>) for that form.
/// </para>
/// </remarks>
public abstract class DeepNeuralNetworkTransformer : ISingleFeaturePredictionTransformer<nn.Module<Tensor, Tensor>>, IDisposable
{
    private readonly byte[] _onnxModel;

    private protected DeepNeuralNetworkTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info)
    {
        ScoringChain = scoringChain;
        _onnxModel = onnxModel;
        Network = network;
        History = info.History;
        Description = info.Description;
        Seed = info.Seed;
        GradientNorms = info.GradientNorms;
        FeatureColumnName = info.FeatureColumnName;
    }

    /// <summary>The feature column the network reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>A known-size vector of <see cref="float"/>, as wide as the network's input.</summary>
    DataViewType ISingleFeaturePredictionTransformer<nn.Module<Tensor, Tensor>>.FeatureColumnType =>
        new VectorDataViewType(NumberDataViewType.Single, checked((int)Description.InputWidth));

    /// <summary>The trained TorchSharp network (<see cref="Network"/>): what ML.NET calls the model behind a prediction transformer.</summary>
    nn.Module<Tensor, Tensor> IPredictionTransformer<nn.Module<Tensor, Tensor>>.Model => Network;

    /// <summary>The ML.NET transformers that score and that <c>mlContext.Model.Save</c> writes.</summary>
    public TransformerChain<ITransformer> ScoringChain { get; }

    /// <summary>Per-epoch losses, metrics, learning rates and times.</summary>
    public TrainingHistory History { get; }

    /// <summary>The layers and parameter counts of the network.</summary>
    public NetworkDescription Description { get; }

    /// <summary>Per-epoch mean gradient norm of each dense layer (empty when <see cref="TrainingOptions.RecordGradientNorms"/> is off).</summary>
    public IReadOnlyList<GradientNormRecord> GradientNorms { get; }

    /// <summary>The seed the run used (the explicit one, or the one drawn from the MLContext).</summary>
    public int Seed { get; }

    /// <summary>
    /// The trained TorchSharp network (CPU, inference mode), without the output head (softmax,
    /// sigmoid) that the exported graph appends. Disposing this transformer disposes it.
    /// </summary>
    public nn.Module<Tensor, Tensor> Network { get; }

    /// <summary>Draws Keras-style learning curves (loss and metric, training and validation, per epoch) into a PNG file.</summary>
    /// <param name="pngPath">Where to write the image; its folder must exist.</param>
    public void SaveLearningCurves(string pngPath) => LearningCurves.Save(History, pngPath);

    /// <summary>Draws each dense layer's mean gradient norm per epoch (log scale) into a PNG file, to spot vanishing or exploding gradients.</summary>
    /// <param name="pngPath">Where to write the image; its folder must exist.</param>
    /// <exception cref="InvalidOperationException">No gradient norms were recorded (<see cref="TrainingOptions.RecordGradientNorms"/> was off).</exception>
    public void SaveGradientNorms(string pngPath)
    {
        if (GradientNorms.Count == 0)
            throw new InvalidOperationException("No gradient norms were recorded: train with DeepNeuralNetworkOptions.RecordGradientNorms = true.");
        GradientNormPlot.Save(GradientNorms, pngPath);
    }

    /// <summary>Writes the exported ONNX graph (input: the feature column's name, [N, features]) to <paramref name="destination"/>.</summary>
    /// <param name="destination">A writable stream; it is not closed.</param>
    public void ExportOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(_onnxModel);
    }

    /// <inheritdoc />
    public bool IsRowToRowMapper => ((ITransformer)ScoringChain).IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => ScoringChain.GetOutputSchema(CheckFeatures(inputSchema));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)ScoringChain).GetRowToRowMapper(CheckFeatures(inputSchema));

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckFeatures(input.Schema);
        return ScoringChain.Transform(input);
    }

    /// <summary>
    /// ONNX Runtime accepts any vector whose length is a multiple of the graph's input width and fails only
    /// while rows are read, with a message that names no column; so the width is checked up front.
    /// </summary>
    private DataViewSchema CheckFeatures(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        int width = Data.DataViewReader.CheckFeatureColumn(inputSchema, FeatureColumnName, "scoring");
        if (width != Description.InputWidth)
            throw new ArgumentException($"Features column '{FeatureColumnName}' has vectors of {width} values; the model was trained on {Description.InputWidth}.", nameof(inputSchema));
        return inputSchema;
    }

    /// <summary>Saving writes the scoring chain alone, which is why a loaded model needs no MLNetDeep assembly.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)ScoringChain).Save(ctx);

    /// <summary>
    /// Releases the TorchSharp network's native memory, the ONNX Runtime session and the temporary ONNX file
    /// that ML.NET reads; the transformer cannot score or be saved afterwards. A zip saved earlier is unaffected.
    /// </summary>
    public void Dispose()
    {
        Network.Dispose();
        Transforms.Scoring.OnnxScoringChain.Release(ScoringChain);
        GC.SuppressFinalize(this);
    }
}
