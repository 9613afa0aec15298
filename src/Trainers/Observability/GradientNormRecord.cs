namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// One epoch's gradient norms per layer, for <see cref="GradientNormPlot"/> and
/// <see cref="TensorBoardTrainingLogger.LogGradientNorms"/>. Vanishing gradients show as early layers' norms falling
/// decades below the last layer's; exploding ones as norms climbing epoch over epoch.
/// </summary>
/// <param name="Epoch">1-based epoch number, as in <see cref="EpochRecord.Epoch"/>.</param>
/// <param name="MeanNormByLayer">
/// For each layer, by a stable name such as "dense_1", the mean over the epoch's batches of the L2 norm of that layer's
/// gradient (all its parameters, weights and bias, taken as one vector), measured after the backward pass and before
/// any clipping or optimizer step. Insertion order is the legend order.
/// </param>
public sealed record GradientNormRecord(int Epoch, IReadOnlyDictionary<string, double> MeanNormByLayer);
