namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// One epoch's gradient norms per layer, for <see cref="GradientNormPlot"/> and
/// <see cref="TensorBoardTrainingLogger.LogGradientNorms"/>. Vanishing gradients show as early layers' norms falling
/// decades below the last layer's; exploding ones as the reverse.
/// </summary>
/// <param name="Epoch">1-based epoch number, as in <see cref="EpochRecord.Epoch"/>.</param>
/// <param name="MeanNormByLayer">
/// For each dense layer, by its module path (e.g. "hidden1.linear", "output"), the mean over the epoch's batches of
/// the L2 norm of its weight gradient, measured after the backward pass and before any clipping or optimizer step.
/// Insertion order is forward order (input side first), which is also the legend order.
/// </param>
public sealed record GradientNormRecord(int Epoch, IReadOnlyDictionary<string, double> MeanNormByLayer);
