namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// One concern of a training run (scheduling, clipping, early stopping, checkpoints, logging…), in the
/// manner of skorch's callbacks. The loop calls every callback at each hook, in list order.
/// </summary>
internal abstract class TrainingCallback
{
    /// <summary>Before the first epoch (of this process: after a resume, the state already holds earlier epochs).</summary>
    public virtual void OnTrainingBegin(TrainingState state)
    {
    }

    /// <summary>Before each epoch's first mini-batch, with <see cref="TrainingState.Epoch"/> set to it.</summary>
    public virtual void OnEpochBegin(TrainingState state)
    {
    }

    /// <summary>Before each mini-batch's forward pass.</summary>
    public virtual void OnBatchBegin(TrainingState state)
    {
    }

    /// <summary>After backward, before the optimizer step: gradients are populated.</summary>
    public virtual void OnAfterBackward(TrainingState state)
    {
    }

    /// <summary>After the optimizer step.</summary>
    public virtual void OnBatchEnd(TrainingState state)
    {
    }

    /// <summary>
    /// After an epoch's last step, before its record exists: the callbacks that prepare and measure the epoch
    /// (batch-norm statistics, the finite-weights check, validation) run here in list order and fill <paramref name="measurements"/>.
    /// </summary>
    public virtual void OnEpochTrained(TrainingState state, EpochMeasurements measurements)
    {
    }

    /// <summary>After each epoch's record has been added to <see cref="TrainingState.Epochs"/>.</summary>
    public virtual void OnEpochEnd(TrainingState state, EpochRecord record)
    {
    }

    /// <summary>After the last epoch, before export; also runs when training ends early.</summary>
    public virtual void OnTrainingEnd(TrainingState state)
    {
    }
}
