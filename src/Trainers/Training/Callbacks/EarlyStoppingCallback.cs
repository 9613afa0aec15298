namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>Stops training when the monitored metric stalls, and restores the best epoch's weights if asked.</summary>
internal sealed class EarlyStoppingCallback : TrainingCallback, IDisposable
{
    private readonly EarlyStoppingOptions _options;
    private readonly EarlyStoppingMonitor _monitor;
    private ParameterSnapshot? _best;

    public EarlyStoppingCallback(EarlyStoppingOptions options, ITrainingObjective objective, bool hasValidation)
    {
        _options = options;
        _monitor = new EarlyStoppingMonitor(options, objective, hasValidation);
    }

    public EarlyStoppingMonitor Monitor => _monitor;

    /// <summary>The best epoch's weights so far, if they are being kept.</summary>
    public ParameterSnapshot? Best => _best;

    /// <summary>Adopts weights and monitor state read from a checkpoint.</summary>
    public void Resume(IReadOnlyDictionary<string, double> state, ParameterSnapshot? best)
    {
        _monitor.LoadState(state);
        _best?.Dispose();
        _best = best;
    }

    public override void OnEpochEnd(TrainingState state, EpochRecord record)
    {
        if (_monitor.Observe(record) && _options.RestoreBestWeights)
        {
            _best?.Dispose();
            _best = ParameterSnapshot.Capture(state.Network);
        }
        if (_monitor.ShouldStop && record.Epoch < state.Options.EpochCount)
        {
            state.StopRequested = true;
            state.Host.Info($"Early stopping at epoch {record.Epoch}: no improvement for {_options.Patience} epoch(s); best epoch {_monitor.BestEpoch}.");
        }
    }

    public override void OnTrainingEnd(TrainingState state) => RestoreBest(state);

    /// <summary>Puts the best epoch's weights back (also used when training diverges).</summary>
    public bool RestoreBest(TrainingState state)
    {
        if (_best is null)
            return false;
        _best.RestoreInto(state.Network);
        state.RestoredEpoch = _monitor.BestEpoch;
        return true;
    }

    public void Dispose() => _best?.Dispose();
}
