namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// Keeps a copy of the weights at the end of the last completed epoch, so that a run whose loss turns
/// NaN mid-epoch can still hand back a usable model.
/// </summary>
internal sealed class LastEpochSnapshot : TrainingCallback, IDisposable
{
    private ParameterSnapshot? _snapshot;
    private int _epoch;

    public override void OnEpochEnd(TrainingState state, EpochRecord record)
    {
        _snapshot?.Dispose();
        _snapshot = ParameterSnapshot.Capture(state.Network);
        _epoch = record.Epoch;
    }

    /// <summary>Restores the last completed epoch's weights; false when no epoch completed.</summary>
    public bool Restore(TrainingState state)
    {
        if (_snapshot is null)
            return false;
        _snapshot.RestoreInto(state.Network);
        state.RestoredEpoch = _epoch;
        return true;
    }

    public void Dispose() => _snapshot?.Dispose();
}
