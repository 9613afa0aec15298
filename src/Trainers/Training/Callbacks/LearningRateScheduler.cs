using MLNetDeep.Trainers.Schedules;
using TorchSharp;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>Applies a <see cref="LearningRateSchedule"/> to the optimizer's learning rate and momentum.</summary>
internal sealed class LearningRateScheduler : TrainingCallback
{
    private readonly LearningRateSchedule _schedule;
    private readonly double _initial;

    public LearningRateScheduler(LearningRateSchedule schedule, double initialLearningRate)
    {
        _schedule = schedule;
        _initial = initialLearningRate;
    }

    public override void OnTrainingBegin(TrainingState state) => Apply(state, CurrentTime(state));

    public override void OnBatchBegin(TrainingState state)
    {
        if (_schedule.Interval == ScheduleInterval.Step)
            Apply(state, state.Step);
    }

    public override void OnEpochEnd(TrainingState state, EpochRecord record)
    {
        _schedule.OnEpochEnd(record);
        if (_schedule.Interval == ScheduleInterval.Epoch)
            Apply(state, state.Epochs.Count);
    }

    private long CurrentTime(TrainingState state) =>
        _schedule.Interval == ScheduleInterval.Step ? state.Step : state.Epochs.Count;

    private void Apply(TrainingState state, long t)
    {
        double rate = _schedule.LearningRate(_initial, t);
        foreach (var group in state.Optimizer.ParamGroups)
            group.LearningRate = rate;
        if (_schedule.Momentum(t) is double momentum)
        {
            // SGD-style optimizers expose momentum; the Adam family cycles β₁ instead, as 1cycle prescribes.
            if (state.Optimizer is torch.optim.IMomentum withMomentum)
                withMomentum.Momentum = momentum;
            else if (state.Optimizer is torch.optim.IBetas withBetas)
                withBetas.Betas = (momentum, withBetas.Betas.Item2);
        }
    }
}
