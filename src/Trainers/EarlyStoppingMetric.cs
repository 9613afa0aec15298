namespace MLNetDeep.Trainers;

/// <summary>The per-epoch figure that early stopping watches.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Validation loss; lower is better. The default.</summary>
    ValidationLoss,
    /// <summary>Validation accuracy (classification only); higher is better.</summary>
    ValidationAccuracy,
    /// <summary>Validation area under the ROC curve (binary only); higher is better.</summary>
    ValidationAuc,
    /// <summary>Validation root mean squared error in label units (regression only); lower is better.</summary>
    ValidationRmse,
    /// <summary>Training loss; lower is better. For runs with no validation data.</summary>
    TrainingLoss,
}
