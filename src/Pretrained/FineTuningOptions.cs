namespace MLNetDeep.Pretrained;

/// <summary>
/// Phase 2 of <c>ImageTransferLearning</c>: after the head has been trained on the frozen backbone's features, the top
/// of the backbone is unfrozen and trained end to end with the head, with a small learning rate, as Keras' transfer
/// learning guide does. Every property has a default that suits a small dataset.
/// </summary>
public sealed class FineTuningOptions
{
    /// <summary>
    /// How many residual blocks, counted from the top, are trained; default 1. A residual block is the layers between two
    /// residual additions (ResNet18 has 8; the last one holds its last two convolutions). Ignored when
    /// <see cref="UnfrozenLayers"/> is set.
    /// </summary>
    public int UnfrozenBlocks { get; set; } = 1;

    /// <summary>
    /// The backbone layers (ONNX node names that own weights, such as <c>Convolution381</c>) to train instead of the top
    /// <see cref="UnfrozenBlocks"/>; default null.
    /// </summary>
    public IReadOnlyList<string>? UnfrozenLayers { get; set; }

    /// <summary>Epochs of fine-tuning; default 5.</summary>
    public int Epochs { get; set; } = 5;

    /// <summary>
    /// The learning rate; default null, a hundredth of phase 1's <see cref="ImageTransferLearningOptions.LearningRate"/>
    /// (0.0001 with the defaults). Large steps would destroy the pretrained features, which is why the default is small;
    /// the head keeps training too, from where phase 1 left it.
    /// </summary>
    public double? LearningRate { get; set; }

    /// <summary>Images per step; default null, phase 1's <see cref="ImageTransferLearningOptions.BatchSize"/> capped at 16 (each image now runs through the backbone).</summary>
    public int? BatchSize { get; set; }

    /// <summary>
    /// Whether the batch-norm layers of the unfrozen blocks keep their ImageNet statistics (inference mode) while
    /// training; default true. A small dataset's batch statistics are noisy, and updating them undoes what the head learned.
    /// </summary>
    public bool FreezeBatchNormStatistics { get; set; } = true;

    /// <summary>Mirrors each training image left to right with probability 1/2, drawn from the seeded generator; default true.</summary>
    public bool RandomHorizontalFlip { get; set; } = true;

    /// <summary>
    /// The smallest share of the image's area a random resized crop keeps (aspect ratio 3/4 to 4/3, scaled back to the
    /// input size), drawn from the seeded generator; default 0.6. Null turns cropping off.
    /// </summary>
    public double? RandomResizedCropMinimumArea { get; set; } = 0.6;

    /// <summary>Stops fine-tuning when the validation metric stops improving and keeps the best epoch's weights; default null (all epochs run).</summary>
    public Trainers.EarlyStoppingOptions? EarlyStopping { get; set; }
}
