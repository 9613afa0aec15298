using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;
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

    private readonly TrainingOptions _options;
    private readonly ITrainingObjective _objective;
    private readonly TrainingHost _host;
    private readonly Device _device;
    private readonly INetworkFactory _factory;
    private readonly SampleShape _sampleShape;
    private readonly IBatchAugmentation? _augmentation;

    /// <param name="options">The loop, optimizer and control options.</param>
    /// <param name="objective">The task's loss and metric.</param>
    /// <param name="host">Logging.</param>
    /// <param name="device">Where the network and batches are.</param>
    /// <param name="factory">Says which weights are penalised, the parameter groups of each epoch and the batch norms.</param>
    /// <param name="sampleShape">How each flat row is viewed before the network reads it.</param>
    /// <param name="augmentation">Changes each training batch, drawing from the loop's generator; null: none.</param>
    public TrainingLoop(TrainingOptions options, ITrainingObjective objective, TrainingHost host, Device device,
        INetworkFactory factory, SampleShape sampleShape, IBatchAugmentation? augmentation = null)
    {
        _options = options;
        _objective = objective;
        _host = host;
        _device = device;
        _factory = factory;
        _sampleShape = sampleShape;
        _augmentation = augmentation;
    }

    /// <summary>Trains <paramref name="network"/> in place.</summary>
    /// <exception cref="TrainingDivergence">The loss became NaN or infinite; the network holds the best completed epoch's weights.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; training stopped before the next batch.</exception>
    public TrainingOutcome Run(nn.Module<Tensor, Tensor> network, IBatchSource train, IBatchSource? validation,
        Generator generator, string fingerprint, CancellationToken cancellationToken)
    {
        // After network.to(device), which the trainer has done: moving would cut the parameters from the buffers.
        using var parameters = new TrainableParameters(network, _options, epoch => _factory.ParameterGroups(network, epoch));
        parameters.Apply(1);
        var state = new TrainingState(network, parameters.Optimizer, _options, _objective, _host, generator, validation is not null)
        {
            Parameters = parameters,
            PenalisedWeights = _factory.PenalisedWeights(network),
        };
        using var penalty = new WeightPenalty(state.PenalisedWeights, _options.L1, _options.L2Factor);
        var batchNorms = _factory.BatchNormLayers(network);
        bool hasBatchNorm = batchNorms.Count > 0;
        bool preciseStatistics = hasBatchNorm && _options.PreciseBatchNormStatistics;
        using var inputStatistics = preciseStatistics && _sampleShape.IsFlat ? InputBatchNormStatistics.TryCompute(network, train, _device) : null;

        using var earlyStopping = _options.EarlyStopping is { } early ? new EarlyStoppingCallback(early, _objective, validation is not null) : null;
        using var lastEpoch = new LastEpochSnapshot();
        var checkpoints = _options.CheckpointDirectory is { } directory ? new CheckpointWriter(directory, fingerprint, earlyStopping) : null;
        // Exact statistics matter only where the network runs in inference mode: validation, checkpoints, early
        // stopping's snapshots, other callbacks, and the returned model. Without the first four they are computed
        // once, after the last epoch (and after a divergence restores an epoch), instead of after every epoch.
        bool preciseEveryEpoch = preciseStatistics &&
            (validation is not null || checkpoints is not null || earlyStopping is not null || _options.AdditionalCallbacks.Count > 0);
        var refresher = preciseStatistics ? new BatchNormStatisticsRefresher(train, batchNorms, _sampleShape, inputStatistics, preciseEveryEpoch) : null;
        float lastLoss = float.NaN;
        var guard = new DivergenceGuard(train, batchNorms, _sampleShape, (s, broken) => Diverged(s, earlyStopping, lastEpoch, lastLoss, broken, refresher));
        var evaluator = validation is null ? null : new ValidationEvaluator(validation, _objective, penalty, batchNorms, _sampleShape, cancellationToken);
        var callbacks = CreateCallbacks(refresher, guard, evaluator, earlyStopping, lastEpoch, checkpoints);

        _options.LearningRateSchedule?.Reset();
        checkpoints?.TryResume(state);
        foreach (var callback in callbacks)
            callback.OnTrainingBegin(state);
        try
        {
            for (int epoch = state.Epochs.Count + 1; epoch <= _options.EpochCount && !state.StopRequested; epoch++)
            {
                state.Epoch = epoch;
                var epochClock = System.Diagnostics.Stopwatch.StartNew();
                parameters.Apply(epoch);
                BatchNormLayers.Train(network, batchNorms);
                foreach (var callback in callbacks)
                    callback.OnEpochBegin(state);
                double lossSum = 0;
                lastLoss = float.NaN;
                long seen = 0;
                using var metric = _objective.CreateMetric();

                foreach (var batch in train.Epoch(_options.BatchSize, _options.Shuffle, hasBatchNorm, generator, cancellationToken))
                {
                    using var batchTensors = batch;
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    foreach (var callback in callbacks)
                        callback.OnBatchBegin(state);
                    var (rows, yb, count) = batch;
                    var xb = _sampleShape.ToSamples(rows);
                    if (_augmentation is not null)
                        xb = _augmentation.Augment(xb, generator);
                    // Both are one native call per group; Optimizer.zero_grad zeroes gradients one by one from C#, which
                    // was 5 % of a batch-32 step (bench ablation). The flat gradient must stay: its views are the gradients.
                    parameters.ZeroGradients();
                    var output = _factory.TrainingForward(network, xb);
                    var loss = _objective.Loss(output, yb);
                    if (penalty.IsActive)
                        loss = penalty.AddTo(loss);

                    float lossValue = loss.item<float>();
                    state.BatchLoss = lossValue;
                    state.Step++;
                    if (!float.IsFinite(lossValue))
                        throw Diverged(state, earlyStopping, lastEpoch, lossValue, refresher: refresher);
                    loss.backward();
                    foreach (var callback in callbacks)
                        callback.OnAfterBackward(state);
                    state.Optimizer.step();
                    foreach (var callback in callbacks)
                        callback.OnBatchEnd(state);

                    lastLoss = lossValue;
                    lossSum += (double)lossValue * count;
                    seen += count;
                    metric.Add(output.detach(), yb);
                    if (state.Step % StepsPerCollection == 0)
                        GC.Collect(0);
                    if (state.StopAfterBatchRequested)
                    {
                        state.StopRequested = true;
                        break;
                    }
                }

                var measurements = new EpochMeasurements();
                foreach (var callback in callbacks)
                    callback.OnEpochTrained(state, measurements);

                var record = new EpochRecord(epoch, lossSum / seen, metric.Result(), measurements.ValidationLoss, measurements.ValidationMetric,
                    parameters.LearningRate, epochClock.Elapsed.TotalSeconds) { ValidationAuc = measurements.ValidationAuc };
                state.Epochs.Add(record);
                foreach (var callback in callbacks)
                    callback.OnEpochEnd(state, record);
            }

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

    private List<TrainingCallback> CreateCallbacks(BatchNormStatisticsRefresher? refresher, DivergenceGuard guard, ValidationEvaluator? evaluator,
        EarlyStoppingCallback? earlyStopping, LastEpochSnapshot lastEpoch, CheckpointWriter? checkpoints)
    {
        // Order matters: the epoch's statistics are refreshed before the weights are checked and validated, and
        // those come before anything reads the epoch; gradient norms are read before clipping changes them; the
        // schedule reacts to the epoch before early stopping decides; snapshots and reports see its final state.
        var callbacks = new List<TrainingCallback>();
        if (refresher is not null)
            callbacks.Add(refresher);
        callbacks.Add(guard);
        if (evaluator is not null)
            callbacks.Add(evaluator);
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

    // The refresher recomputes exact batch-norm statistics for restored weights whose epoch skipped them.
    private TrainingDivergence Diverged(TrainingState state, EarlyStoppingCallback? earlyStopping, LastEpochSnapshot lastEpoch, float loss,
        string? nonFiniteParameter = null, BatchNormStatisticsRefresher? refresher = null)
    {
        bool restored = earlyStopping?.RestoreBest(state) == true || lastEpoch.Restore(state);
        if (restored)
            refresher?.RefreshRestored(state);
        state.Network.eval();
        return new TrainingDivergence(state.Epoch, state.Step, loss, restored ? History(state) : null, nonFiniteParameter);
    }

    private TrainingHistory History(TrainingState state) =>
        new(state.Epochs.ToList(), _objective.MetricName, state.RestoredEpoch ?? state.Epochs.Count,
            state.Epochs.Count < _options.EpochCount && state.StopRequested);
}
