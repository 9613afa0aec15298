using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Schedules;
using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Mini-batch training shared by every task: shuffle, forward, loss plus penalty, backward, step.
/// Everything else — schedules, clipping, constraints, gradient diagnostics, early stopping,
/// checkpoints, logging — is a <see cref="TrainingCallback"/>, one concern each.
/// </summary>
internal sealed class TrainingLoop
{
    // Optimizers build Scalars from doubles every step; their native memory is freed only by
    // finalizers, so a cheap gen-0 collection every few dozen steps keeps resident memory flat.
    private const int StepsPerCollection = 50;
    private const int EvaluationBatchSize = 4096;
    private const int OutputCheckRows = 256;

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

    /// <summary>Trains <paramref name="network"/> in place.</summary>
    /// <exception cref="TrainingDivergence">The loss became NaN or infinite; the network holds the best completed epoch's weights.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; training stopped before the next batch.</exception>
    public TrainingOutcome Run(nn.Module<Tensor, Tensor> network, IBatchSource train, IBatchSource? validation,
        Generator generator, string fingerprint, CancellationToken cancellationToken)
    {
        // After network.to(device), which the trainer has done: moving would cut the parameters from the buffer.
        using var flat = _options.FlatParameterBuffer ? FlatParameters.Create(network) : null;
        using var optimizer = OptimizerFactory.Create(_options, flat is null ? network.parameters() : new[] { flat.Parameter });
        var state = new TrainingState(network, optimizer, _options, _objective, _host, generator, validation is not null);
        var penalty = new WeightPenalty(Network.NetworkBuilder.DenseWeights(network), _options.L1, _options.L2);
        bool hasBatchNorm = BatchNormRecalibration.Layers(network).Count > 0;
        bool preciseStatistics = hasBatchNorm && _options.PreciseBatchNormStatistics;
        using var inputStatistics = preciseStatistics ? InputBatchNormStatistics.TryCompute(network, train, _device) : null;

        using var earlyStopping = _options.EarlyStopping is { } early ? new EarlyStoppingCallback(early, _objective, validation is not null) : null;
        using var lastEpoch = new LastEpochSnapshot();
        var checkpoints = _options.CheckpointDirectory is { } directory ? new CheckpointWriter(directory, fingerprint, earlyStopping) : null;
        var callbacks = CreateCallbacks(earlyStopping, lastEpoch, checkpoints);
        // Exact statistics matter only where the network runs in inference mode: validation, checkpoints, early
        // stopping's snapshots, other callbacks, and the returned model. Without the first four they are computed
        // once, after the last epoch (and after a divergence restores an epoch), instead of after every epoch.
        bool preciseEveryEpoch = preciseStatistics &&
            (validation is not null || checkpoints is not null || earlyStopping is not null || _options.AdditionalCallbacks.Count > 0);
        bool statisticsCurrent = false;
        void RefreshStatistics()
        {
            using var statisticsRows = train.StatisticsRows();
            BatchNormRecalibration.Recompute(network, statisticsRows, EvaluationBatchSize, inputStatistics);
            statisticsCurrent = true;
        }

        _options.LearningRateSchedule?.Reset();
        checkpoints?.TryResume(state);
        foreach (var callback in callbacks)
            callback.OnTrainingBegin(state);
        try
        {
            for (int epoch = state.Epochs.Count + 1; epoch <= _options.Epochs && !state.StopRequested; epoch++)
            {
                state.Epoch = epoch;
                var epochClock = System.Diagnostics.Stopwatch.StartNew();
                network.train();
                double lossSum = 0;
                float lastLoss = float.NaN;
                long seen = 0;
                using var metric = _objective.CreateMetric();

                foreach (var batch in train.Epoch(_options.BatchSize, _options.Shuffle, hasBatchNorm, generator, cancellationToken))
                {
                    using var batchTensors = batch;
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    foreach (var callback in callbacks)
                        callback.OnBatchBegin(state);
                    var (xb, yb, count) = batch;
                    // Both are one native call; Optimizer.zero_grad zeroes gradients one by one from C#, which was
                    // 5 % of a batch-32 step (bench ablation). The flat gradient must stay: its views are the gradients.
                    if (flat is null)
                        network.zero_grad();
                    else
                        flat.ZeroGradients();
                    var output = network.forward(xb);
                    var loss = _objective.Loss(output, yb);
                    if (penalty.IsActive)
                        loss = loss.add(penalty.Compute());

                    float lossValue = loss.item<float>();
                    state.Step++;
                    if (!float.IsFinite(lossValue))
                        throw Diverged(state, earlyStopping, lastEpoch, lossValue, refresh: preciseStatistics && !preciseEveryEpoch ? RefreshStatistics : null);
                    loss.backward();
                    foreach (var callback in callbacks)
                        callback.OnAfterBackward(state);
                    optimizer.step();
                    foreach (var callback in callbacks)
                        callback.OnBatchEnd(state);

                    lastLoss = lossValue;
                    lossSum += (double)lossValue * count;
                    seen += count;
                    metric.Add(output.detach(), yb);
                    if (state.Step % StepsPerCollection == 0)
                        GC.Collect(0);
                }

                statisticsCurrent = false;
                if (preciseEveryEpoch)
                    RefreshStatistics();

                // The loss is checked before each step, so the epoch's last step could leave broken weights
                // unseen: they would be evaluated, checkpointed, and on the last epoch returned as the model.
                if (BrokenAfterStep(network, train) is string broken)
                    throw Diverged(state, earlyStopping, lastEpoch, lastLoss, broken, preciseStatistics && !preciseEveryEpoch ? RefreshStatistics : null);

                double? validationLoss = null, validationMetric = null, validationAuc = null;
                if (validation is not null)
                    (validationLoss, validationMetric, validationAuc) = Evaluate(network, validation, penalty, cancellationToken);

                var record = new EpochRecord(epoch, lossSum / seen, metric.Result(), validationLoss, validationMetric,
                    OptimizerFactory.CurrentLearningRate(optimizer), epochClock.Elapsed.TotalSeconds) { ValidationAuc = validationAuc };
                state.Epochs.Add(record);
                foreach (var callback in callbacks)
                    callback.OnEpochEnd(state, record);
            }

            if (preciseStatistics && !statisticsCurrent && state.Epochs.Count > 0)
                RefreshStatistics();
            foreach (var callback in callbacks)
                callback.OnTrainingEnd(state);
            if (state.RestoredEpoch is int restored)
                _host.Info($"Restored the weights of epoch {restored}.");
            network.eval();
            return new TrainingOutcome(History(state), state.GradientNorms);
        }
        finally
        {
            foreach (var callback in callbacks.OfType<IDisposable>())
                callback.Dispose();
        }
    }

    private List<TrainingCallback> CreateCallbacks(EarlyStoppingCallback? earlyStopping, LastEpochSnapshot lastEpoch, CheckpointWriter? checkpoints)
    {
        // Order matters: gradient norms are read before clipping changes them; the schedule reacts to the
        // epoch before early stopping decides; snapshots and reports see the final state of the epoch.
        var callbacks = new List<TrainingCallback>();
        if (_options.LearningRateSchedule is { } schedule)
            callbacks.Add(new LearningRateScheduler(schedule, _options.LearningRate));
        if (_options.RecordGradientNorms)
            callbacks.Add(new GradientNormRecorder());
        if (_options.GradientClipNorm is not null || _options.GradientClipValue is not null)
            callbacks.Add(new GradientClipper(_options.GradientClipNorm, _options.GradientClipValue));
        if (_options.MaxNorm is double maxNorm)
            callbacks.Add(new MaxNormConstraint(maxNorm));
        if (earlyStopping is not null)
            callbacks.Add(earlyStopping);
        callbacks.Add(lastEpoch);
        if (_options.TensorBoardLogDirectory is { } logDirectory)
            callbacks.Add(new TensorBoardReporter(logDirectory));
        if (checkpoints is not null)
            callbacks.Add(checkpoints);
        callbacks.Add(new ProgressReporter());
        callbacks.AddRange(_options.AdditionalCallbacks);
        return callbacks;
    }

    // refresh recomputes exact batch-norm statistics for restored weights whose epoch skipped them.
    private TrainingDivergence Diverged(TrainingState state, EarlyStoppingCallback? earlyStopping, LastEpochSnapshot lastEpoch, float loss,
        string? nonFiniteParameter = null, Action? refresh = null)
    {
        bool restored = earlyStopping?.RestoreBest(state) == true || lastEpoch.Restore(state);
        if (restored)
            refresh?.Invoke();
        state.Network.eval();
        return new TrainingDivergence(state.Epoch, state.Step, loss, restored ? History(state) : null, nonFiniteParameter);
    }

    /// <summary>
    /// What holds a NaN or ±∞ after the epoch's last step: a parameter or buffer (batch-norm statistics), or
    /// else the inference-mode outputs for the first training rows, since huge but finite weights overflow
    /// there; null when all is finite. Inference mode draws no random numbers, so runs stay reproducible.
    /// </summary>
    private static string? BrokenAfterStep(nn.Module<Tensor, Tensor> network, IBatchSource train)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers()))
        {
            if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
                return $"the weights of '{name}'";
        }
        network.eval();
        try
        {
            var rows = train.FirstRows(OutputCheckRows);
            var output = network.forward(rows);
            return output.isfinite().all().item<bool>() ? null : $"the network's outputs for the first {rows.shape[0]} training rows";
        }
        finally
        {
            network.train();
        }
    }

    private TrainingHistory History(TrainingState state) =>
        new(state.Epochs.ToList(), _objective.MetricName, state.RestoredEpoch ?? state.Epochs.Count,
            state.Epochs.Count < _options.Epochs && state.StopRequested);

    private (double Loss, double Metric, double? Auc) Evaluate(nn.Module<Tensor, Tensor> network, IBatchSource validation, WeightPenalty penalty, CancellationToken cancellationToken)
    {
        network.eval();
        using var _ = no_grad();
        using var metric = _objective.CreateMetric();
        using var auc = _objective.CreateValidationAuc();
        double lossSum = 0;
        long rows = 0;
        foreach (var batch in validation.InOrder(EvaluationBatchSize, cancellationToken))
        {
            using var batchTensors = batch;
            using var scope = NewDisposeScope();
            var (xb, yb, count) = batch;
            rows += count;
            var output = network.forward(xb);
            lossSum += _objective.Loss(output, yb).item<float>() * (double)count;
            metric.Add(output, yb);
            auc?.Add(output, yb);
        }
        double penaltyValue = 0;
        if (penalty.IsActive)
        {
            // Compute() builds its sum from intermediate tensors; the scope frees them all.
            using var scope = NewDisposeScope();
            penaltyValue = penalty.Compute().item<float>();
        }
        network.train();
        return (lossSum / rows + penaltyValue, metric.Result(), auc?.Result());
    }
}
