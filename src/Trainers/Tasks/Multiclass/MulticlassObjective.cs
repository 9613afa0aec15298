using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers;

/// <summary>Softmax cross-entropy over K classes, optionally with label smoothing; the metric is accuracy.</summary>
internal sealed class MulticlassObjective : ITrainingObjective
{
    private readonly double _labelSmoothing;

    public MulticlassObjective(int classCount, double labelSmoothing = 0)
    {
        OutputWidth = classCount;
        _labelSmoothing = labelSmoothing;
    }

    public long OutputWidth { get; }

    public string MetricName => "accuracy";

    public EarlyStoppingMetric ValidationMetricKind => EarlyStoppingMetric.ValidationAccuracy;

    public bool HigherMetricIsBetter => true;

    public Tensor CreateTargets(float[] targets, Device device)
    {
        using var asFloat = tensor(targets);
        return asFloat.to(ScalarType.Int64, device);
    }

    // cross_entropy fuses log-softmax and NLL, which is stabler than softmax followed by a log.
    public Tensor Loss(Tensor output, Tensor target) =>
        nn.functional.cross_entropy(output, target, label_smoothing: _labelSmoothing);

    public IMetricAccumulator CreateMetric() => new AccuracyAccumulator((output, target) =>
    {
        using var predicted = output.argmax(1);
        return predicted.eq(target);
    });

    public nn.Module<Tensor, Tensor>? CreateExportHead() => nn.Softmax(1);
}
