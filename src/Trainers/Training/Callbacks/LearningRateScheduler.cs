using TorchSharp;
using MLNetDeep.Trainers.Schedules;

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
        // A user-written schedule can return anything; libtorch would take a NaN or an overflowing rate
        // silently and the loss would only blow up steps later, far from the cause.
        if (!(rate >= 0 && rate <= float.MaxValue))
        {
            throw new InvalidOperationException(
                $"LearningRateSchedule {_schedule.GetType().Name} returned the learning rate {rate} at {_schedule.Interval.ToString().ToLowerInvariant()} {t}; " +
                "a rate must be finite, >= 0 and at most 3.4E+38 (float range).");
        }
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
