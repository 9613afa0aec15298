namespace MLNetDeep.Trainers;

/// <summary>What one epoch of training measured.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches, in training mode (dropout on), penalties included, as Keras reports it.</param>
/// <param name="TrainMetric">The task metric over the epoch's batches (accuracy for classification, RMSE in label units for regression).</param>
/// <param name="ValidationLoss">Loss on the validation data in inference mode, penalties included; null without validation data.</param>
/// <param name="ValidationMetric">The task metric on the validation data; null without validation data.</param>
/// <param name="LearningRate">The learning rate in force during the epoch.</param>
/// <param name="Seconds">Wall-clock time of the epoch, validation included.</param>
public sealed record EpochRecord(
    int Epoch,
    double TrainLoss,
    double TrainMetric,
    double? ValidationLoss,
    double? ValidationMetric,
    double LearningRate,
    double Seconds)
{
    /// <summary>Area under the ROC curve on the validation data: binary classification with validation data only, else null.</summary>
    public double? ValidationAuc { get; init; }
}
