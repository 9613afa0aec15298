namespace MLNetDeep.Pretrained;

/// <summary>
/// Phase 2 of <c>ImageTransferLearning</c>: after the head has been trained on the frozen backbone's features, the top
/// of the backbone is unfrozen and trained end to end with the head, with a small learning rate and batch norms in
/// inference mode, as Keras' transfer learning guide does. It runs through the same trainer core as phase 1, so early
/// stopping, checkpoints (subfolder <c>phase2</c>) and resume, progress and the history apply. Every property has a
/// default that suits a small dataset on a CPU.
/// </summary>
/// <remarks>
/// Without augmentation (the default) the activations at the input of the lowest unfrozen block are computed once, in
/// batches, by ONNX Runtime, and every epoch runs only the unfrozen blocks and the head: on flowers-small (150 training
/// photos, ResNet18, 2 CPU cores) an epoch of the top block takes 10–17 s. With augmentation the frozen part must run
/// on every augmented batch (under no_grad), and an epoch took about 125 s on the same machine.
/// </remarks>
public sealed class FineTuningOptions
{
    /// <summary>
    /// How many residual blocks, counted from the top, are trained, with every layer after them; default 1. A residual
    /// block is found from the ONNX graph: the layers from one residual addition's output (after its activation) to the
    /// next one's. The ResNet18 featurizer has 9 (its last holds its last two convolutions and their batch norms), ResNet50V2 16; the
    /// value must be from 1 to the backbone's count. Ignored when <see cref="UnfrozenLayers"/> is set.
    /// </summary>
    public int UnfrozenBlocks { get; set; } = 1;

    /// <summary>
    /// The backbone layers (ONNX node names that own weights, such as <c>Convolution387</c>) to train instead of the top
    /// <see cref="UnfrozenBlocks"/>; default null. The network runs with gradients from the last tensor before the
    /// lowest of them; only they are updated. An unknown name is an error that lists the backbone's layers.
    /// </summary>
    public IReadOnlyList<string>? UnfrozenLayers { get; set; }

    /// <summary>Epochs of fine-tuning; default 5 (phase 1 has already fitted the training images, so a few passes suffice and more start to overfit).</summary>
    public int Epochs { get; set; } = 5;

    /// <summary>
    /// The learning rate of the unfrozen backbone layers; default null, a thousandth of phase 1's
    /// <see cref="ImageTransferLearningOptions.LearningRate"/> (0.00001 with the defaults, Adam: the rate of Keras' guide).
    /// Large steps destroy the pretrained features: on flowers-small a hundredth (0.0001) cost 2 of 40 images in the
    /// first of 5 folds. It must be above 0.
    /// </summary>
    public double? LearningRate { get; set; }

    /// <summary>
    /// The head's learning rate in phase 2; default null, the same as <see cref="LearningRate"/> (as Keras' guide
    /// recompiles the whole model with one small rate). The head is its own parameter group, so it can differ; the head
    /// starts from where phase 1 left it.
    /// </summary>
    public double? HeadLearningRate { get; set; }

    /// <summary>Images per step; default null, phase 1's <see cref="ImageTransferLearningOptions.BatchSize"/> capped at 16 (each image now runs through backbone layers, with gradients).</summary>
    public int? BatchSize { get; set; }

    /// <summary>
    /// Whether the batch-norm layers of the unfrozen blocks keep their ImageNet statistics (inference mode) while
    /// training; default true. A small dataset's batch statistics are noisy, and updating them undoes what the head learned.
    /// Batch norms outside the unfrozen layers always keep theirs.
    /// </summary>
    public bool FreezeBatchNormStatistics { get; set; } = true;

    /// <summary>
    /// Mirrors each training image left to right with probability 1/2, drawn from the seeded generator; default false,
    /// because any augmentation makes every step run the frozen part of the backbone too (see the remarks: about 7 times
    /// slower per epoch on 2 CPU cores).
    /// </summary>
    public bool RandomHorizontalFlip { get; set; }

    /// <summary>
    /// The smallest share of the image's area a random resized crop keeps (aspect ratio 3/4 to 4/3, scaled back to the
    /// decoded size), drawn from the seeded generator; from more than 0 to 1, for example 0.6. Default null, off (for the
    /// speed reason of <see cref="RandomHorizontalFlip"/>).
    /// </summary>
    public double? RandomResizedCropMinimumArea { get; set; }

    /// <summary>Stops fine-tuning when the monitored metric stops improving and keeps the best epoch's weights; default null (all epochs run). A validation metric needs ImageTransferLearningOptions.ValidationFraction or ValidationSet.</summary>
    public Trainers.EarlyStoppingOptions? EarlyStopping { get; set; }

    /// <summary>
    /// Whether the model keeps phase 2's weights only when they are not worse on the validation data than phase 1's;
    /// default true. With validation data (<see cref="ImageTransferLearningOptions.ValidationFraction"/> or
    /// <see cref="ImageTransferLearningOptions.ValidationSet"/>), the validation loss of phase 2's kept epoch (its last,
    /// or its best under <see cref="EarlyStopping"/>) is compared with phase 1's; when it is higher, the returned model
    /// is phase 1's (<see cref="ImageClassificationTransformer.FineTuningKept"/> is false, the history stays, and the
    /// MLContext log gets a warning). Without validation data nothing can be compared and phase 2 is kept. False always keeps phase 2.
    /// </summary>
    public bool KeepPhase1WhenNotBetter { get; set; } = true;
}
