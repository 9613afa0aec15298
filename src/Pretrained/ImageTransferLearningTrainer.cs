using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.FeatureExtraction;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Pretrained.Training;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Training;
using MLNetDeep.Transforms.Imaging;

namespace MLNetDeep.Pretrained;

/// <summary>
/// Transfer learning for image classification, the Keras way: a pretrained backbone is frozen and a new head is trained
/// on its features (phase 1: features computed once, in batches, and cached); then the top of the backbone is unfrozen
/// and trained with the head at a small learning rate (phase 2, <see cref="ImageTransferLearningOptions.FineTuning"/>).
/// The result is one ONNX graph served by ML.NET's <c>OnnxTransformer</c>. Create it with
/// <c>mlContext.MulticlassClassification.Trainers.ImageTransferLearning(...)</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Label</term><description>Key (<c>Key&lt;UInt32&gt;</c>) with at least 2 classes, each with at least one image.</description></item>
/// <item><term>Image</term><description><c>VarVector&lt;Byte&gt;</c> (encoded JPEG/PNG, as <c>LoadRawImageBytes</c> gives) or Text (paths).</description></item>
/// </list>
/// Images smaller than 32 pixels on a side are scaled up, with a warning in the MLContext log. The head is the DNN
/// trainer's network, trained by its core: hidden layers, optimizers, schedules, early stopping, checkpoints and
/// progress all apply.
/// </remarks>
public sealed class ImageTransferLearningTrainer : IEstimator<ImageClassificationTransformer>
{
    private readonly IHostEnvironment _environment;
    private readonly FeatureCache _cache;
    private (ImageBackbone Backbone, BackboneGraph Graph)? _graph;

    internal ImageTransferLearningTrainer(IHostEnvironment environment, ImageTransferLearningOptions options)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        ImageTransferLearningValidator.Validate(options);
        _cache = new FeatureCache(options.FeatureCacheDirectory);
    }

    /// <summary>The options this trainer was created with.</summary>
    public ImageTransferLearningOptions Options { get; }

    /// <summary>Trains on <paramref name="input"/> and returns the fitted model.</summary>
    /// <param name="input">Rows with the label and image columns the options name.</param>
    public ImageClassificationTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary>Trains, stopping within one batch once <paramref name="cancellationToken"/> is cancelled (<see cref="OperationCanceledException"/>).</summary>
    /// <param name="input">Rows with the label and image columns the options name.</param>
    /// <param name="cancellationToken">Checked between batches of feature extraction and training.</param>
    public ImageClassificationTransformer Fit(IDataView input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ImageTransferLearningValidator.Validate(Options);
        using var host = new TrainingHost(_environment, "ImageTransferLearning");
        // Threads: ONNX Runtime takes NumberOfThreads per session, and the trainer core sets libtorch's (and restores it).
        return FitCore(input, host, host.ResolveSeed(Options.Seed), cancellationToken);
    }

    private ImageClassificationTransformer FitCore(IDataView input, TrainingHost host, int seed, CancellationToken cancellationToken)
    {
        var labelReader = new KeyLabelReader();
        var label = input.Schema.GetColumnOrNull(Options.LabelColumnName)
            ?? throw new ArgumentException($"The training data has no label column '{Options.LabelColumnName}' (columns: {string.Join(", ", input.Schema.Where(c => !c.IsHidden).Select(c => c.Name))}); set LabelColumnName.");
        labelReader.CheckType(label);
        var classCount = KeyLabelReader.ClassCount(label);
        var kind = ImageColumn.Kind(input.Schema, Options.ImageColumnName, "training");
        var rows = ImageRowReader.Read(input, Options.LabelColumnName, Options.ImageColumnName, kind, Options.ImageFolder, "training", cancellationToken);
        CheckClasses(rows, label, labelReader, classCount);

        var graph = Graph();
        // Before any work: an unknown layer or too many blocks fails now, not after phase 1.
        var plan = Options.FineTuning is { } fineTuning ? FineTuningPlan.Create(graph, fineTuning, Options.Backbone.Name) : null;
        var description = Options.Backbone.ToString();
        host.Info($"Backbone {description}: {rows.Count} training images of {classCount} classes; seed {seed}.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var features = ImageFeatureExtraction.Compute(rows, graph, _cache, Options.FeatureBatchSize, Options.NumberOfThreads, description, host.Warning, out var featureCount, cancellationToken);
        host.Info($"Phase 1: {featureCount} features per image in {clock.Elapsed.TotalSeconds:F1} s ({_cache.Hits} cached, {_cache.Misses} computed so far).");

        var context = new MLContext(seed);
        var headData = HeadData.Create(context, label, rows.Select(r => r.Class).ToArray(), features, featureCount);
        List<ImageRow>? validationRows = null;
        IDataView? headValidation = null;
        if (Options.ValidationSet is { } validationSet)
            (validationRows, headValidation) = ValidationFeatures(validationSet, label, kind, graph, featureCount, host, context, cancellationToken);

        var classes = rows.Select(r => r.Class).ToArray();
        var selection = Options.HeadSelection is { } grid
            ? HeadSelection.Run(_environment, host, grid, l2 => HeadOptions(seed, headValidation, l2), label, classes, features, featureCount, seed, cancellationToken)
            : null;
        var headOptions = HeadOptions(seed, headValidation, selection?.ChosenL2 ?? Options.L2);
        var headTrainer = new MulticlassDeepNeuralNetworkTrainer(_environment, headOptions);
        var head = headTrainer.Fit(headData, cancellationToken);
        TrainedNetwork? fineTuned = null;
        TrainingHistory? fineTuningHistory = null;
        try
        {
            byte[] bytes;
            if (plan is null)
            {
                bytes = ImageModelExport.ToBytes(ImageModelExport.Splice(graph, graph.Model, head.Network, featureCount));
            }
            else
            {
                fineTuned = FineTuningPhase.Run(_environment, host, Options, graph, plan, rows, validationRows, label, head, headOptions, featureCount, seed, cancellationToken);
                fineTuningHistory = fineTuned.Outcome.History;
                if (Options.FineTuning!.KeepPhase1WhenNotBetter && Worse(fineTuningHistory, head.History) is { } comparison)
                {
                    host.Warning($"Phase 2 is not kept: its validation loss {comparison.Phase2:G4} (epoch {fineTuningHistory.BestEpoch}) is higher than phase 1's {comparison.Phase1:G4}, " +
                        "so the model is phase 1's (FineTuning.KeepPhase1WhenNotBetter). Its history is in FineTuningHistory.");
                    fineTuned.Network.Dispose();
                    fineTuned = null;
                    bytes = ImageModelExport.ToBytes(ImageModelExport.Splice(graph, graph.Model, head.Network, featureCount));
                }
                else
                {
                    bytes = fineTuned.OnnxModel;
                }
            }
            var chain = ImageModelExport.CreateChain(_environment, input, Options.ImageColumnName, kind, Options.ImageFolder, graph.DecodedSize, bytes, Options.LabelColumnName, classCount);
            return new ImageClassificationTransformer(chain, bytes, Options.Backbone, Options.ImageColumnName, kind, classCount, head.History,
                fineTuningHistory, plan is null ? null : fineTuned is not null, seed, head, fineTuned?.Network, selection);
        }
        catch
        {
            head.Dispose();
            fineTuned?.Network.Dispose();
            throw;
        }
    }

    /// <summary>Both phases' validation losses when phase 2's kept epoch is worse than phase 1's; null when it is not, or without validation data.</summary>
    internal static (double Phase1, double Phase2)? Worse(TrainingHistory phase2, TrainingHistory phase1)
    {
        var after = phase2.Epochs.FirstOrDefault(e => e.Epoch == phase2.BestEpoch)?.ValidationLoss;
        var before = phase1.Epochs.FirstOrDefault(e => e.Epoch == phase1.BestEpoch)?.ValidationLoss;
        return after is { } a && before is { } b && a > b ? (b, a) : null;
    }

    private (List<ImageRow> Rows, IDataView Features) ValidationFeatures(IDataView validationSet, DataViewSchema.Column label, ImageColumnKind kind, BackboneGraph graph, int featureCount,
        TrainingHost host, MLContext context, CancellationToken cancellationToken)
    {
        var validationLabel = validationSet.Schema.GetColumnOrNull(Options.LabelColumnName)
            ?? throw new ArgumentException($"The ValidationSet has no label column '{Options.LabelColumnName}'.");
        if (!validationLabel.Type.Equals(label.Type))
            throw new ArgumentException($"The ValidationSet's label column '{Options.LabelColumnName}' is {validationLabel.Type}; the training data's is {label.Type}. Map both with the same MapValueToKey.");
        var validationKind = ImageColumn.Kind(validationSet.Schema, Options.ImageColumnName, "validation");
        if (validationKind != kind)
            throw new ArgumentException($"The ValidationSet's image column '{Options.ImageColumnName}' holds another kind of values ({validationKind}) than the training data's ({kind}).");
        var rows = ImageRowReader.Read(validationSet, Options.LabelColumnName, Options.ImageColumnName, kind, Options.ImageFolder, "validation", cancellationToken);
        var features = ImageFeatureExtraction.Compute(rows, graph, _cache, Options.FeatureBatchSize, Options.NumberOfThreads, Options.Backbone.ToString(), host.Warning, out var width, cancellationToken);
        return (rows, HeadData.Create(context, label, rows.Select(r => r.Class).ToArray(), features, rows.Count == 0 ? featureCount : width));
    }

    private DeepNeuralNetworkOptions HeadOptions(int seed, IDataView? validation, double l2) => PhaseOptions.Shared(new DeepNeuralNetworkOptions
    {
        L2 = l2,
        HiddenLayers = Options.HiddenLayers,
        DropoutRate = Options.DropoutRate,
        LearningRate = Options.LearningRate,
        Epochs = Options.Epochs,
        BatchSize = Options.BatchSize,
        LearningRateSchedule = Options.LearningRateSchedule,
        LabelSmoothing = Options.LabelSmoothing,
        EarlyStopping = Options.EarlyStopping,
    }, Options, seed, validation, "phase1");

    /// <summary>The backbone graph, built once per trainer and backbone (reading and checking 60 MB of weights takes a second).</summary>
    private BackboneGraph Graph()
    {
        if (_graph is { } known && ReferenceEquals(known.Backbone, Options.Backbone))
            return known.Graph;
        var graph = BackboneGraph.Build(Options.Backbone);
        _graph = (Options.Backbone, graph);
        return graph;
    }

    private void CheckClasses(List<ImageRow> rows, DataViewSchema.Column label, KeyLabelReader labelReader, int classCount)
    {
        if (rows.Count == 0)
            throw new ArgumentException("The training data has no rows; a classifier needs images of at least 2 classes.");
        var counts = new int[classCount];
        foreach (var row in rows)
        {
            if (row.Class >= classCount)
                throw new ArgumentException($"Row {row.Row} has label key {row.Class + 1}, beyond the {classCount} values of column '{Options.LabelColumnName}'.");
            counts[row.Class]++;
        }
        var present = Enumerable.Range(0, classCount).Where(c => counts[c] > 0).ToArray();
        if (present.Length < 2)
            throw new ArgumentException(
                $"Label column '{Options.LabelColumnName}' has images of the single class {labelReader.DescribeTarget(label, present[0])} ({rows.Count} images); a classifier needs images of at least 2 classes.");
        var empty = Enumerable.Range(0, classCount).Where(c => counts[c] == 0).ToArray();
        if (empty.Length > 0)
            throw new ArgumentException(
                $"Label column '{Options.LabelColumnName}' has {classCount} classes, but class(es) {string.Join(", ", empty.Select(c => labelReader.DescribeTarget(label, c)))} " +
                "have no training images, so the model could never predict them. Give every class images, or build the key from the training data's own labels (MapValueToKey).");
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var label = OutputSchemas.RequireKey(inputSchema, Options.LabelColumnName);
        if (!OutputSchemas.TryFind(inputSchema, Options.ImageColumnName, out var image))
            throw new ArgumentException($"The input has no image column '{Options.ImageColumnName}'.", nameof(inputSchema));
        if (!(image.ItemType is TextDataViewType && image.Kind == SchemaShape.Column.VectorKind.Scalar
            || image.ItemType == NumberDataViewType.Byte && image.Kind != SchemaShape.Column.VectorKind.Scalar))
            ImageColumn.Kind(image.ItemType, Options.ImageColumnName);
        var shape = OutputSchemas.Multiclass(inputSchema, label, ImageModelExport.ProbabilitiesColumn);
        return new SchemaShape(shape.Where(c => c.Name != ImageModelExport.ProbabilitiesColumn));
    }
}
