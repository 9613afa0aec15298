using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// Writes a checkpoint after every epoch: weights, optimizer, schedule and early-stopping state, both
/// random generators, history and gradient norms. It runs after every other state-changing callback,
/// so the file describes the epoch exactly as the next one will start from it.
/// </summary>
internal sealed class CheckpointWriter : TrainingCallback
{
    private readonly string _directory;
    private readonly string _fingerprint;
    private readonly EarlyStoppingCallback? _earlyStopping;

    public CheckpointWriter(string directory, string fingerprint, EarlyStoppingCallback? earlyStopping)
    {
        _directory = directory;
        _fingerprint = fingerprint;
        _earlyStopping = earlyStopping;
    }

    public override void OnEpochEnd(TrainingState state, EpochRecord record)
    {
        var metadata = new CheckpointMetadata
        {
            Fingerprint = _fingerprint,
            Step = state.Step,
            StopRequested = state.StopRequested,
            Epochs = state.Epochs.ToList(),
            GradientNorms = state.GradientNorms.ToList(),
            ScheduleState = state.Options.LearningRateSchedule?.SaveState().ToDictionary() ?? new(),
            EarlyStoppingState = _earlyStopping?.Monitor.SaveState(),
            HasBestWeights = _earlyStopping?.Best is not null,
        };
        CheckpointStore.Write(_directory, metadata, state.Network, state.Optimizer, state.Generator, _earlyStopping?.Best);
    }

    /// <summary>
    /// Loads the folder's checkpoint into the run, if there is one, and returns whether it did. Called
    /// before <see cref="TrainingCallback.OnTrainingBegin"/> so schedules start from the resumed time.
    /// </summary>
    public bool TryResume(TrainingState state)
    {
        var metadata = CheckpointStore.TryRead(_directory, _fingerprint, state.Network, state.Optimizer, state.Generator,
            _earlyStopping is null ? null : () => ParameterSnapshot.Capture(state.Network), out var best);
        if (metadata is null)
            return false;
        state.Epochs.AddRange(metadata.Epochs);
        state.GradientNorms.AddRange(metadata.GradientNorms);
        state.Step = metadata.Step;
        state.Epoch = metadata.Epochs.Count;
        state.StopRequested = metadata.StopRequested;
        state.Options.LearningRateSchedule?.LoadState(metadata.ScheduleState);
        if (_earlyStopping is not null && metadata.EarlyStoppingState is { } early)
            _earlyStopping.Resume(early, best);
        state.Host.Info($"Resumed from the checkpoint in '{_directory}' after epoch {metadata.Epochs.Count} (step {metadata.Step}).");
        return true;
    }
}
