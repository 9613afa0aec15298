using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Trainers;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Pretrained;

/// <summary>
/// A trained image classifier: the image column is decoded (<c>MLNetDeep.Transforms.Imaging</c>), then one ONNX graph —
/// preprocessing, the backbone with its fine-tuned weights, and the head — runs in ML.NET's <c>OnnxTransformer</c>,
/// followed by ML.NET's own multiclass prediction transformer. Output columns follow ML.NET's multiclass trainers:
/// <list type="table">
/// <item><term><c>Score</c></term><description>Vector of <see cref="float"/>, length K: the class probabilities.</description></item>
/// <item><term><c>PredictedLabel</c></term><description>Scalar key of the label's key type; <c>MapKeyToValue</c> gives the class name.</description></item>
/// </list>
/// <c>mlContext.Model.Save</c> writes the chain alone: a loaded zip needs Microsoft.ML, OnnxTransformer, ONNX Runtime and
/// MLNetDeep.Transforms.Imaging (SkiaSharp), and no TorchSharp.
/// </summary>
public sealed class ImageClassificationTransformer : ITransformer, IDisposable
{
    private readonly byte[] _onnxModel;

    internal ImageClassificationTransformer(TransformerChain<ITransformer> scoringChain, byte[] onnxModel, ImageBackbone backbone,
        string imageColumnName, Transforms.Imaging.ImageColumnKind imageColumnKind, int classCount, TrainingHistory headHistory, TrainingHistory? fineTuningHistory, bool? fineTuningKept, int seed,
        MulticlassDeepNeuralNetworkTransformer head, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? fineTunedNetwork,
        HeadSelectionReport? headSelection)
    {
        HeadSelection = headSelection;
        ScoringChain = scoringChain;
        _onnxModel = onnxModel;
        Backbone = backbone;
        ImageColumnName = imageColumnName;
        ImageColumnKind = imageColumnKind;
        ClassCount = classCount;
        HeadHistory = headHistory;
        FineTuningHistory = fineTuningHistory;
        FineTuningKept = fineTuningKept;
        Seed = seed;
        Head = head;
        FineTunedNetwork = fineTunedNetwork;
    }

    /// <summary>The ML.NET transformers that score and that <c>mlContext.Model.Save</c> writes.</summary>
    public TransformerChain<ITransformer> ScoringChain { get; }

    /// <summary>The backbone the model was built on.</summary>
    public ImageBackbone Backbone { get; }

    /// <summary>The image column the model reads.</summary>
    public string ImageColumnName { get; }

    internal Transforms.Imaging.ImageColumnKind ImageColumnKind { get; }

    /// <summary>The number of classes K.</summary>
    public int ClassCount { get; }

    /// <summary>Phase 1: the head's per-epoch losses and metrics on the frozen backbone's features.</summary>
    public TrainingHistory HeadHistory { get; }

    /// <summary>Phase 2: the fine-tuning epochs; null when fine-tuning was off.</summary>
    public TrainingHistory? FineTuningHistory { get; }

    /// <summary>
    /// Whether the model holds phase 2's weights: true when fine-tuning ran and was kept, false when
    /// <see cref="FineTuningOptions.KeepPhase1WhenNotBetter"/> returned phase 1's model because phase 2's validation loss was
    /// higher (<see cref="FineTuningHistory"/> still shows its epochs), null when fine-tuning was off.
    /// </summary>
    public bool? FineTuningKept { get; }

    /// <summary>The cross-validation that chose the head's L2 (<see cref="ImageTransferLearningOptions.HeadSelection"/>); null when it was off or could not run.</summary>
    public HeadSelectionReport? HeadSelection { get; }

    /// <summary>The seed the run used.</summary>
    public int Seed { get; }

    /// <summary>The head as phase 1 trained it, on features (its own ONNX graph reads the feature vector).</summary>
    internal MulticlassDeepNeuralNetworkTransformer Head { get; }

    /// <summary>Phase 2's trained network (the backbone's trained part and the head, on the CPU, in inference mode); null when fine-tuning was off.</summary>
    internal TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? FineTunedNetwork { get; }

    /// <summary>Writes the model's one ONNX graph: input <c>MLNetDeepImagePixels</c> [N, 3, S, S] (decoded RGB, 0..255), output the K probabilities.</summary>
    /// <param name="destination">A writable stream; it is not closed.</param>
    public void ExportOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(_onnxModel);
    }

    /// <inheritdoc />
    public bool IsRowToRowMapper => ((ITransformer)ScoringChain).IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => ScoringChain.GetOutputSchema(Check(inputSchema));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)ScoringChain).GetRowToRowMapper(Check(inputSchema));

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(input.Schema);
        return ScoringChain.Transform(input);
    }

    private DataViewSchema Check(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var kind = ImageColumn.Kind(schema, ImageColumnName, "scoring");
        if (kind != ImageColumnKind)
            throw new ArgumentException(
                $"Image column '{ImageColumnName}' holds {Describe(kind)}, but the model was trained on {Describe(ImageColumnKind)}; a saved model reads the kind it was trained on.");
        return schema;
    }

    private static string Describe(Transforms.Imaging.ImageColumnKind kind) =>
        kind == Transforms.Imaging.ImageColumnKind.Paths ? "image paths (Text)" : "encoded image bytes (VarVector<Byte>)";

    /// <summary>Saving writes the scoring chain alone, which is why a loaded model needs no TorchSharp.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)ScoringChain).Save(ctx);

    /// <summary>Releases the ONNX Runtime session, its temporary file and the TorchSharp networks of both phases.</summary>
    public void Dispose()
    {
        OnnxScoringChain.Release(ScoringChain);
        Head.Dispose();
        FineTunedNetwork?.Dispose();
    }
}
