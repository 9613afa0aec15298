using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// What differs between multiclass, binary and regression training: the output width, the loss,
/// the per-epoch metric, and the head the exported graph ends with. The training loop is shared.
/// </summary>
internal interface ITrainingObjective
{
    /// <summary>Width of the network's last layer.</summary>
    long OutputWidth { get; }

    /// <summary>Name of the per-epoch metric in the history and logs, e.g. "accuracy".</summary>
    string MetricName { get; }

    /// <summary>The early-stopping metric that reads <see cref="EpochRecord.ValidationMetric"/>.</summary>
    EarlyStoppingMetric ValidationMetricKind { get; }

    /// <summary>Whether a larger metric is better.</summary>
    bool HigherMetricIsBetter { get; }

    /// <summary>Turns the float targets of a <c>TrainingMatrix</c> into the tensor the loss expects.</summary>
    Tensor CreateTargets(float[] targets, Device device);

    /// <summary>Mean loss over the batch.</summary>
    Tensor Loss(Tensor output, Tensor target);

    /// <summary>A fresh accumulator for one pass over data.</summary>
    IMetricAccumulator CreateMetric();

    /// <summary>The layer appended to the network in the exported graph (softmax, say), or null.</summary>
    nn.Module<Tensor, Tensor>? CreateExportHead();

    /// <summary>
    /// Whether validation passes also measure the area under the ROC curve (binary classification), which
    /// early stopping can monitor as <see cref="EarlyStoppingMetric.ValidationAuc"/>. Default: false.
    /// </summary>
    bool HasValidationAuc => false;

    /// <summary>
    /// A fresh AUC accumulator for one validation pass, or null when <see cref="HasValidationAuc"/> is false.
    /// AUC ranks every score of the pass, so it is kept out of the per-batch training metric.
    /// </summary>
    IMetricAccumulator? CreateValidationAuc() => null;
}

/// <summary>Accumulates a metric over the batches of one pass.</summary>
internal interface IMetricAccumulator : IDisposable
{
    /// <summary>Adds a batch; <paramref name="output"/> is detached.</summary>
    void Add(Tensor output, Tensor target);

    /// <summary>The metric over everything added.</summary>
    double Result();
}
