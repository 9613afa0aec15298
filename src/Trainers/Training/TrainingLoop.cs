using System.Diagnostics;
using System.Globalization;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Mini-batch training shared by every task: shuffle, forward, loss plus penalty, backward, step;
/// then validation, history, logging and early stopping once per epoch.
/// </summary>
internal sealed class TrainingLoop
{
    // Optimizers build Scalars from doubles every step; their native memory is freed only by
    // finalizers, so a cheap gen-0 collection every few dozen steps keeps resident memory flat.
    private const int StepsPerCollection = 50;
    private const int EvaluationBatchSize = 4096;

    private readonly DeepNeuralNetworkOptions _options;
    private readonly ITrainingObjective _objective;
    private readonly TrainingHost _host;
    private readonly Device _device;

    public TrainingLoop(DeepNeuralNetworkOptions options, ITrainingObjective objective, TrainingHost host, Device device)
    {
        _options = options;
        _objective = objective;
        _host = host;
        _device = device;
    }

    /// <summary>Trains <paramref name="network"/> in place and returns what each epoch measured.</summary>
    public TrainingHistory Run(nn.Module<Tensor, Tensor> network, TrainingMatrix train, TrainingMatrix? validation, Generator generator)
    {
        using var x = tensor(train.Features, new long[] { train.RowCount, train.FeatureCount }).to(_device);
        using var y = _objective.CreateTargets(train.Targets, _device);
        using var xValidation = validation is null ? null : tensor(validation.Features, new long[] { validation.RowCount, validation.FeatureCount }).to(_device);
        using var yValidation = validation is null ? null : _objective.CreateTargets(validation.Targets, _device);

        using var optimizer = OptimizerFactory.Create(_options, network.parameters());
        var penalty = new WeightPenalty(NetworkBuilder.DenseWeights(network), _options.L1, _options.L2);
        bool hasBatchNorm = network.modules().Any(m => m is TorchSharp.Modules.BatchNorm1d);
        var monitor = _options.EarlyStopping is { } early ? new EarlyStoppingMonitor(early, _objective, validation is not null) : null;
        ParameterSnapshot? best = null;
        var epochs = new List<EpochRecord>();
        bool stoppedEarly = false;
        long step = 0;

        try
        {
            for (int epoch = 1; epoch <= _options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                network.train();
                double lossSum = 0;
                long seen = 0;
                using var metric = _objective.CreateMetric();
                using var order = _options.Shuffle
                    ? randperm(train.RowCount, generator: generator).to(_device)
                    : arange(train.RowCount, device: _device);

                foreach (var (start, count) in Batches(train.RowCount, _options.BatchSize, hasBatchNorm))
                {
                    using var scope = NewDisposeScope();
                    var rows = order.narrow(0, start, count);
                    var xb = x.index_select(0, rows);
                    var yb = y.index_select(0, rows);
                    // Module.zero_grad drops every gradient (set_to_none) in one native call; Optimizer.zero_grad
                    // zeroes them one by one from C#, which was 5 % of a batch-32 step (bench ablation).
                    network.zero_grad();
                    var output = network.forward(xb);
                    var loss = _objective.Loss(output, yb);
                    if (penalty.IsActive)
                        loss = loss.add(penalty.Compute());
                    loss.backward();
                    optimizer.step();

                    float lossValue = loss.item<float>();
                    step++;
                    if (!float.IsFinite(lossValue))
                    {
                        throw new InvalidOperationException(
                            $"Training diverged: the loss became {lossValue} at epoch {epoch}, step {step}. " +
                            "Lower LearningRate, or normalize the features.");
                    }
                    lossSum += (double)lossValue * count;
                    seen += count;
                    metric.Add(output.detach(), yb);
                    if (step % StepsPerCollection == 0)
                        GC.Collect(0);
                }

                double? validationLoss = null, validationMetric = null;
                if (xValidation is not null && yValidation is not null)
                    (validationLoss, validationMetric) = Evaluate(network, xValidation, yValidation, penalty);

                var record = new EpochRecord(epoch, lossSum / seen, metric.Result(), validationLoss, validationMetric,
                    OptimizerFactory.CurrentLearningRate(optimizer), clock.Elapsed.TotalSeconds);
                epochs.Add(record);
                _host.Info(Describe(record));

                if (monitor is not null)
                {
                    if (monitor.Observe(record) && _options.EarlyStopping!.RestoreBestWeights)
                    {
                        best?.Dispose();
                        best = ParameterSnapshot.Capture(network);
                    }
                    if (monitor.ShouldStop && epoch < _options.Epochs)
                    {
                        stoppedEarly = true;
                        _host.Info($"Early stopping at epoch {epoch}: no improvement for {_options.EarlyStopping!.Patience} epoch(s); best epoch {monitor.BestEpoch}.");
                        break;
                    }
                }
            }

            int bestEpoch = epochs.Count;
            if (best is not null && monitor is not null)
            {
                best.RestoreInto(network);
                bestEpoch = monitor.BestEpoch;
                _host.Info($"Restored the weights of epoch {bestEpoch}.");
            }
            network.eval();
            return new TrainingHistory(epochs, _objective.MetricName, bestEpoch, stoppedEarly);
        }
        finally
        {
            best?.Dispose();
        }
    }

    private (double Loss, double Metric) Evaluate(nn.Module<Tensor, Tensor> network, Tensor x, Tensor y, WeightPenalty penalty)
    {
        network.eval();
        using var _ = no_grad();
        using var metric = _objective.CreateMetric();
        double lossSum = 0;
        long rows = x.shape[0];
        for (long start = 0; start < rows; start += EvaluationBatchSize)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(EvaluationBatchSize, rows - start);
            var xb = x.narrow(0, start, count);
            var yb = y.narrow(0, start, count);
            var output = network.forward(xb);
            lossSum += _objective.Loss(output, yb).item<float>() * (double)count;
            metric.Add(output, yb);
        }
        double penaltyValue = 0;
        if (penalty.IsActive)
        {
            using var p = penalty.Compute();
            penaltyValue = p.item<float>();
        }
        network.train();
        return (lossSum / rows + penaltyValue, metric.Result());
    }

    /// <summary>
    /// Batch boundaries. Batch normalization cannot compute statistics from a single row in training
    /// mode, so with BN a trailing one-row batch is skipped for that epoch (shuffling varies which row).
    /// </summary>
    internal static IEnumerable<(long Start, long Count)> Batches(long rows, int batchSize, bool hasBatchNorm)
    {
        for (long start = 0; start < rows; start += batchSize)
        {
            long count = Math.Min(batchSize, rows - start);
            if (count == 1 && hasBatchNorm && start > 0)
                yield break;
            yield return (start, count);
        }
    }

    private string Describe(EpochRecord r)
    {
        var c = CultureInfo.InvariantCulture;
        var line = string.Create(c, $"Epoch {r.Epoch}/{_options.Epochs}: loss {r.TrainLoss:F4}, {_objective.MetricName} {r.TrainMetric:F4}");
        if (r.ValidationLoss is double vl)
            line += string.Create(c, $", val_loss {vl:F4}, val_{_objective.MetricName} {r.ValidationMetric:F4}");
        return line + string.Create(c, $", lr {r.LearningRate:G4}, {r.Seconds:F1} s");
    }
}
