namespace MLNetDeep.Trainers.Schedules;

/// <summary>How often a learning-rate schedule advances its time t.</summary>
public enum ScheduleInterval
{
    /// <summary>t counts optimizer steps (mini-batches) from 0, as Keras' schedules do.</summary>
    Step,
    /// <summary>t counts completed epochs from 0; the rate changes at epoch boundaries.</summary>
    Epoch,
}
