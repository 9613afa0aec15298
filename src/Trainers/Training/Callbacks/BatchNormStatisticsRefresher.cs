using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// Precise batch-norm statistics (<see cref="TrainingOptions.PreciseBatchNormStatistics"/>): after every epoch when
/// something uses the inference-mode network during training (validation, checkpoints, early stopping, other
/// callbacks), otherwise once at the end, and after a divergence restores an epoch that skipped them. First in
/// the list, so every later callback sees the refreshed statistics.
/// </summary>
internal sealed class BatchNormStatisticsRefresher : TrainingCallback
{
    private const int ChunkRows = 4096;

    private readonly IBatchSource _train;
    private readonly IReadOnlyList<IBatchNormLayer> _layers;
    private readonly SampleShape _sampleShape;
    private readonly InputBatchNormStatistics? _input;
    private readonly bool _everyEpoch;
    private bool _current;

    /// <param name="train">The training rows the statistics come from (their <see cref="IBatchSource.StatisticsRows"/>).</param>
    /// <param name="layers">The network's batch-normalization layers.</param>
    /// <param name="sampleShape">How rows are viewed before the network reads them.</param>
    /// <param name="input">Exact statistics of an input batch norm, or null.</param>
    /// <param name="everyEpoch">Whether the statistics are refreshed after every epoch rather than once at the end.</param>
    public BatchNormStatisticsRefresher(IBatchSource train, IReadOnlyList<IBatchNormLayer> layers, SampleShape sampleShape, InputBatchNormStatistics? input, bool everyEpoch)
    {
        _train = train;
        _layers = layers;
        _sampleShape = sampleShape;
        _input = input;
        _everyEpoch = everyEpoch;
    }

    public override void OnEpochBegin(TrainingState state) => _current = false;

    public override void OnEpochTrained(TrainingState state, EpochMeasurements measurements)
    {
        if (_everyEpoch)
            Refresh(state);
    }

    public override void OnTrainingEnd(TrainingState state)
    {
        if (!_current && state.Epochs.Count > 0)
            Refresh(state);
    }

    /// <summary>For weights a divergence restored: refreshes them when their epoch skipped the refresh.</summary>
    public void RefreshRestored(TrainingState state)
    {
        if (!_everyEpoch)
            Refresh(state);
    }

    private void Refresh(TrainingState state)
    {
        using var statisticsRows = _train.StatisticsRows();
        BatchNormRecalibration.Recompute(state.Network, _layers, statisticsRows, ChunkRows, _sampleShape, _input);
        _current = true;
    }
}
