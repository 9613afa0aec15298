using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// The validation loss (plus the weight penalty, as Keras reports it), metric and AUC after every epoch, in
/// inference mode; after the statistics refresh and the divergence check, so it measures what would be returned.
/// </summary>
internal sealed class ValidationEvaluator : TrainingCallback
{
    private const int BatchSize = 4096;

    private readonly IBatchSource _validation;
    private readonly ITrainingObjective _objective;
    private readonly WeightPenalty _penalty;
    private readonly IReadOnlyList<IBatchNormLayer> _layers;
    private readonly SampleShape _sampleShape;
    private readonly CancellationToken _cancellationToken;

    public ValidationEvaluator(IBatchSource validation, ITrainingObjective objective, WeightPenalty penalty, IReadOnlyList<IBatchNormLayer> layers,
        SampleShape sampleShape, CancellationToken cancellationToken)
    {
        _validation = validation;
        _objective = objective;
        _penalty = penalty;
        _layers = layers;
        _sampleShape = sampleShape;
        _cancellationToken = cancellationToken;
    }

    public override void OnEpochTrained(TrainingState state, EpochMeasurements measurements)
    {
        var network = state.Network;
        network.eval();
        using var _ = no_grad();
        using var metric = _objective.CreateMetric();
        using var auc = _objective.CreateValidationAuc();
        double lossSum = 0;
        long rows = 0;
        foreach (var batch in _validation.InOrder(BatchSize, _cancellationToken))
        {
            using var batchTensors = batch;
            using var scope = NewDisposeScope();
            var (xb, yb, count) = batch;
            rows += count;
            var output = network.forward(_sampleShape.ToSamples(xb));
            lossSum += _objective.Loss(output, yb).item<float>() * (double)count;
            metric.Add(output, yb);
            auc?.Add(output, yb);
        }
        double penaltyValue = 0;
        if (_penalty.IsActive)
        {
            // Compute() builds its sum from intermediate tensors; the scope frees them all.
            using var scope = NewDisposeScope();
            penaltyValue = _penalty.Compute().item<float>();
        }
        BatchNormLayers.Train(network, _layers);
        measurements.ValidationLoss = lossSum / rows + penaltyValue;
        measurements.ValidationMetric = metric.Result();
        measurements.ValidationAuc = auc?.Result();
    }
}
