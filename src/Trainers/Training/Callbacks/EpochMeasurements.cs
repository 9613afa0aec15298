namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>What the <see cref="TrainingCallback.OnEpochTrained"/> callbacks measure of an epoch, for its <see cref="EpochRecord"/>.</summary>
internal sealed class EpochMeasurements
{
    /// <summary>The validation loss (plus the weight penalty), or null without validation data.</summary>
    public double? ValidationLoss { get; set; }

    /// <summary>The task's metric on the validation rows, or null.</summary>
    public double? ValidationMetric { get; set; }

    /// <summary>The binary task's validation AUC, or null.</summary>
    public double? ValidationAuc { get; set; }
}
