namespace MLNetDeep.Trainers;

/// <summary>One row's Monte Carlo dropout prediction: class probabilities averaged over stochastic passes.</summary>
/// <param name="Mean">Mean probability of each class over the samples.</param>
/// <param name="StandardDeviation">Standard deviation of each class probability over the samples (population form); a measure of the model's uncertainty.</param>
public sealed record MonteCarloPrediction(float[] Mean, float[] StandardDeviation);
