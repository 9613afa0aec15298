using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers;

/// <summary>
/// Binary cross-entropy on one logit per row, with an optional weight on positive rows; the metric is
/// accuracy at logit 0 (probability 0.5), and validation passes also measure AUC.
/// </summary>
internal sealed class BinaryObjective : ITrainingObjective
{
    private readonly double _positiveClassWeight;

    public BinaryObjective(double positiveClassWeight) => _positiveClassWeight = positiveClassWeight;

    public long OutputWidth => 1;

    public string MetricName => "accuracy";

    public EarlyStoppingMetric ValidationMetricKind => EarlyStoppingMetric.ValidationAccuracy;

    public bool HigherMetricIsBetter => true;

    public bool HasValidationAuc => true;

    public Tensor CreateTargets(float[] targets, Device device)
    {
        using var onCpu = tensor(targets);
        return onCpu.to(device);
    }

    // The fused form computes log-sigmoid stably, where sigmoid followed by a log underflows for confident rows.
    public Tensor Loss(Tensor output, Tensor target)
    {
        var logits = output.squeeze(1);
        if (_positiveClassWeight == 1)
            return nn.functional.binary_cross_entropy_with_logits(logits, target);
        using var positiveWeight = tensor((float)_positiveClassWeight, device: output.device);
        return nn.functional.binary_cross_entropy_with_logits(logits, target, pos_weights: positiveWeight);
    }

    public IMetricAccumulator CreateMetric() => new AccuracyAccumulator((output, target) =>
    {
        using var logits = output.reshape(-1);
        using var predicted = logits.gt(0);
        using var actual = target.gt(0.5);
        return predicted.eq(actual);
    });

    public IMetricAccumulator? CreateValidationAuc() => new AucAccumulator();

    // The sigmoid is ML.NET's: the scoring chain's Platt calibrator turns the exported logit into Probability.
    public nn.Module<Tensor, Tensor>? CreateExportHead() => null;
}
