using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers;

/// <summary>
/// One output per row trained with MSE, MAE or Huber loss on (optionally standardized) labels; the metric is
/// RMSE in label units, so it reads the same whether or not the label was standardized.
/// </summary>
internal sealed class RegressionObjective : ITrainingObjective
{
    private readonly RegressionLoss _loss;
    private readonly double _huberDelta;

    /// <param name="loss">The loss kind.</param>
    /// <param name="huberDelta">Huber's δ in label units.</param>
    /// <param name="labels">The map from label units to training units.</param>
    public RegressionObjective(RegressionLoss loss, double huberDelta, LabelStandardizer labels)
    {
        _loss = loss;
        // Huber in standardized units with δ/σ switches from squared to linear at the same label-unit error δ.
        _huberDelta = huberDelta / labels.Scale;
        Labels = labels;
    }

    /// <summary>The map from label units to training units, which the exported graph inverts.</summary>
    public LabelStandardizer Labels { get; }

    public long OutputWidth => 1;

    public string MetricName => "rmse";

    public EarlyStoppingMetric ValidationMetricKind => EarlyStoppingMetric.ValidationRmse;

    public bool HigherMetricIsBetter => false;

    public Tensor CreateTargets(float[] targets, Device device)
    {
        using var onCpu = tensor(Labels.Standardize(targets));
        return onCpu.to(device);
    }

    public Tensor Loss(Tensor output, Tensor target)
    {
        var prediction = output.squeeze(1);
        return _loss switch
        {
            RegressionLoss.MeanSquaredError => nn.functional.mse_loss(prediction, target),
            RegressionLoss.MeanAbsoluteError => nn.functional.l1_loss(prediction, target),
            RegressionLoss.Huber => nn.functional.huber_loss(prediction, target, _huberDelta),
            _ => throw new ArgumentOutOfRangeException(nameof(DeepNeuralNetworkOptions.RegressionLoss), _loss, "Unknown regression loss."),
        };
    }

    public IMetricAccumulator CreateMetric() => new RmseAccumulator(Labels.Scale);

    public nn.Module<Tensor, Tensor>? CreateExportHead() => Labels.CreateExportHead();

    private sealed class RmseAccumulator : IMetricAccumulator
    {
        private readonly double _scale;
        private double _squaredErrorSum;
        private long _count;

        public RmseAccumulator(double scale) => _scale = scale;

        public void Add(Tensor output, Tensor target)
        {
            using var prediction = output.reshape(-1).to_type(ScalarType.Float64);
            using var actual = target.to_type(ScalarType.Float64);
            using var error = prediction.sub(actual);
            using var squared = error.square();
            using var sum = squared.sum();
            _squaredErrorSum += sum.item<double>();
            _count += target.shape[0];
        }

        // Standardized errors times σ are label-unit errors.
        public double Result() => _count == 0 ? double.NaN : Math.Sqrt(_squaredErrorSum / _count) * _scale;

        public void Dispose()
        {
        }
    }
}
