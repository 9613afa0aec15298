using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Tests.TrainingControl;

/// <summary>Each schedule's learning-rate sequence matches the formula in its documentation.</summary>
public sealed class ScheduleFormulaTests
{
    [Fact]
    public void ExponentialDecayIsLr0TimesRateToTheTOverS()
    {
        var schedule = new ExponentialDecaySchedule(decaySteps: 20);
        for (long t = 0; t <= 100; t += 7)
            Assert.Equal(0.01 * Math.Pow(0.1, t / 20.0), schedule.LearningRate(0.01, t), 12);
        Assert.Equal(0.001, schedule.LearningRate(0.01, 20), 12);
        var staircase = new ExponentialDecaySchedule(10, 0.5) { Staircase = true };
        Assert.Equal(new[] { 1.0, 1.0, 0.5, 0.5, 0.25 }, new long[] { 0, 9, 10, 19, 20 }.Select(t => staircase.LearningRate(1.0, t)));
    }

    [Fact]
    public void PiecewiseConstantSwitchesAtTheBoundaries()
    {
        var schedule = new PiecewiseConstantSchedule(new long[] { 5, 15 }, new[] { 0.01, 0.005, 0.001 });
        var rates = Enumerable.Range(0, 20).Select(t => schedule.LearningRate(123, t)).ToArray();
        Assert.All(rates[..5], r => Assert.Equal(0.01, r));
        Assert.All(rates[5..15], r => Assert.Equal(0.005, r));
        Assert.All(rates[15..], r => Assert.Equal(0.001, r));
        Assert.Throws<ArgumentException>(() => new PiecewiseConstantSchedule(new long[] { 5 }, new[] { 0.1 }));
    }

    [Fact]
    public void CosineFollowsHalfACosineThenStays()
    {
        var schedule = new CosineDecaySchedule(100) { MinimumLearningRate = 0.001 };
        for (long t = 0; t <= 150; t += 10)
        {
            double expected = 0.001 + 0.5 * (0.1 - 0.001) * (1 + Math.Cos(Math.PI * Math.Min(t, 100) / 100.0));
            Assert.Equal(expected, schedule.LearningRate(0.1, t), 12);
        }
        Assert.Equal(0.1, schedule.LearningRate(0.1, 0), 12);
        Assert.Equal(0.0505, schedule.LearningRate(0.1, 50), 12);
        Assert.Equal(0.001, schedule.LearningRate(0.1, 100), 12);
    }

    [Fact]
    public void OneCycleWarmsUpAnnealsAndCyclesMomentumTheOtherWay()
    {
        var schedule = new OneCycleSchedule(totalSteps: 1000);
        // Cycle = 900 steps: 450 up, 450 down, then 100 steps to η_max / 1000.
        Assert.Equal(0.01, schedule.LearningRate(0.1, 0), 12);
        Assert.Equal(0.055, schedule.LearningRate(0.1, 225), 12);
        Assert.Equal(0.1, schedule.LearningRate(0.1, 450), 12);
        Assert.Equal(0.01, schedule.LearningRate(0.1, 900), 12);
        Assert.Equal(0.0001, schedule.LearningRate(0.1, 1000), 12);
        Assert.Equal(0.01 - (0.01 - 0.0001) * 0.5, schedule.LearningRate(0.1, 950), 12);
        Assert.Equal(0.95, schedule.Momentum(0)!.Value, 12);
        Assert.Equal(0.85, schedule.Momentum(450)!.Value, 12);
        Assert.Equal(0.95, schedule.Momentum(900)!.Value, 12);
        Assert.Equal(0.95, schedule.Momentum(990)!.Value, 12);
        // The rate peaks where momentum bottoms out.
        var peak = Enumerable.Range(0, 1000).MaxBy(t => schedule.LearningRate(0.1, t));
        var trough = Enumerable.Range(0, 1000).MinBy(t => schedule.Momentum(t)!.Value);
        Assert.Equal(peak, trough);
    }

    [Fact]
    public void ReduceOnPlateauHalvesAfterPatienceAndWaitsOutTheCooldown()
    {
        var schedule = new ReduceOnPlateauSchedule { Factor = 0.5, Patience = 2, Cooldown = 1, MinimumLearningRate = 0.02 };
        double[] losses = { 1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.99, 0.99, 0.99, 0.99, 0.99 };
        var rates = new List<double>();
        for (int i = 0; i < losses.Length; i++)
        {
            schedule.OnEpochEnd(new EpochRecord(i + 1, 1, 0, losses[i], 0, 0, 0));
            rates.Add(schedule.LearningRate(0.1, i + 1));
        }
        // Keras' order: best 0.9 at epoch 2; epochs 3, 4 stall → halve after epoch 4. Epoch 5 spends the one
        // cooldown epoch and, as in Keras, already counts towards patience; epoch 6 stalls → halve again.
        // Epochs 7, 8 → would be 0.0125 but the floor is 0.02, where it stays.
        Assert.Equal(new[] { 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02 }, rates.Select(r => Math.Round(r, 10)));

        var saved = schedule.SaveState();
        var copy = new ReduceOnPlateauSchedule { Factor = 0.5, Patience = 2, Cooldown = 1, MinimumLearningRate = 0.02 };
        copy.LoadState(saved);
        Assert.Equal(schedule.LearningRate(0.1, 0), copy.LearningRate(0.1, 0));
    }
}
