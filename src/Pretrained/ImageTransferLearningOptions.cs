using Microsoft.ML;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Pretrained;

/// <summary>
/// Options of <c>mlContext.MulticlassClassification.Trainers.ImageTransferLearning</c>. With only the columns set, it trains
/// a new head on ResNet18's features (phase 1), then fine-tunes the top residual block with the head (phase 2,
/// <see cref="FineTuning"/>). Every property has a documented default.
/// </summary>
public sealed class ImageTransferLearningOptions
{
    /// <summary>The label column: a key (<c>Key&lt;UInt32&gt;</c>, as <c>MapValueToKey</c> makes) with at least 2 classes; default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The image column; default "Image". Either the encoded bytes of JPEG/PNG files (<c>VarVector&lt;Byte&gt;</c>, as
    /// <c>mlContext.Transforms.LoadRawImageBytes</c> gives), or text: image paths, absolute or relative to <see cref="ImageFolder"/>.
    /// </summary>
    public string ImageColumnName { get; set; } = "Image";

    /// <summary>The folder relative image paths are resolved against, at training and in the saved model; default null (the current folder).</summary>
    public string? ImageFolder { get; set; }

    /// <summary>The pretrained network; default <see cref="ImageBackbone.ResNet18"/>.</summary>
    public ImageBackbone Backbone { get; set; } = ImageBackbone.ResNet18;

    /// <summary>
    /// A folder where the backbone's features of each image are kept between runs, keyed by the image's SHA-256 and the
    /// backbone (weights, preprocessing, decoder), like ML.NET's bottleneck cache (<c>WorkspacePath</c>); default null,
    /// in memory only (features are still computed once per trainer object, whatever the number of Fit calls).
    /// </summary>
    public string? FeatureCacheDirectory { get; set; }

    /// <summary>Images per batch when the backbone computes features; default 32.</summary>
    public int FeatureBatchSize { get; set; } = 32;

    /// <summary>The head's hidden layer widths, between the backbone's features and the class outputs; default none (a linear head, as Keras' guide uses).</summary>
    public int[] HiddenLayers { get; set; } = [];

    /// <summary>Dropout after each hidden layer of the head, while training; default 0 (none, and a linear head has no hidden layer).</summary>
    public double DropoutRate { get; set; }

    /// <summary>L2 weight penalty on the head (λ·Σw² over its dense weights, both phases); default 0. Used only when <see cref="HeadSelection"/> is null (or cannot run): by default the penalty is chosen by cross-validation.</summary>
    public double L2 { get; set; }

    /// <summary>
    /// Chooses the head's L2 penalty by stratified cross-validation on the training images' cached features (5 folds,
    /// L2 of 0 to 1), as Kornblith et al. (2019) tune the logistic regression on a frozen network's features; default
    /// on, with <see cref="HeadSelectionOptions"/>' defaults. It uses the training data only, costs head fits on cached
    /// features (seconds), and its scores are in <see cref="ImageClassificationTransformer.HeadSelection"/>. Null trains
    /// with <see cref="L2"/>.
    /// </summary>
    public HeadSelectionOptions? HeadSelection { get; set; } = new();

    /// <summary>The optimizer of both phases; default Adam.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>
    /// Phase 1's learning rate; default 0.01. The head sees fixed features, so it can take larger steps than a network
    /// trained from scratch (with Adam at 0.001 it is still far from converged after 50 epochs on a small dataset).
    /// Phase 2 defaults to a thousandth of it.
    /// </summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Epochs of phase 1 (the head on cached features: each takes milliseconds); default 50.</summary>
    public int Epochs { get; set; } = 50;

    /// <summary>Images per step in phase 1; default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Phase 1's learning-rate schedule; default null, constant.</summary>
    public LearningRateSchedule? LearningRateSchedule { get; set; }

    /// <summary>Label smoothing of the cross-entropy in both phases; default 0.</summary>
    public double LabelSmoothing { get; set; }

    /// <summary>Seeds weight initialization, shuffling, dropout and augmentation; default null, drawn from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// The share of the training rows held out for validation (a seeded split), for the per-epoch validation metrics and
    /// early stopping; default 0, none. Ignored when <see cref="ValidationSet"/> is set.
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>Validation data with the same label and image columns; default null.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stops phase 1 when the validation metric stops improving and keeps the best epoch; default null.</summary>
    public EarlyStoppingOptions? EarlyStopping { get; set; }

    /// <summary>
    /// Where each phase checkpoints at epoch ends (subfolders <c>phase1</c> and <c>phase2</c>); a later Fit with the same
    /// folder and data resumes. Default null, none.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Receives one report per epoch of either phase (<see cref="EpochReport.Epoch"/> counts within the phase); default null.</summary>
    public IProgress<EpochReport>? Progress { get; set; }

    /// <summary>Threads for libtorch and ONNX Runtime; default null, their own defaults (one per core).</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>Phase 2 (fine-tuning the top of the backbone); default: on, with <see cref="FineTuningOptions"/>' defaults. Null trains the head only.</summary>
    public FineTuningOptions? FineTuning { get; set; } = new();
}
