namespace MLNetDeep.Trainers;

/// <summary>What the <see cref="TrainingOptions.Progress"/> callback receives after each epoch.</summary>
/// <param name="Record">The epoch's losses, metrics, learning rate and duration.</param>
/// <param name="TotalEpochs">The configured number of epochs (training may stop earlier).</param>
/// <param name="MetricName">What <see cref="EpochRecord.TrainMetric"/> measures, e.g. "accuracy".</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record EpochReport(EpochRecord Record, int TotalEpochs, string MetricName, TimeSpan Elapsed)
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch => Record.Epoch;
}
