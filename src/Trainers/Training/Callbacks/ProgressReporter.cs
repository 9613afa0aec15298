using System.Globalization;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>Writes one line per epoch to <c>mlContext.Log</c> and reports to the user's progress callback.</summary>
internal sealed class ProgressReporter : TrainingCallback
{
    public override void OnEpochEnd(TrainingState state, EpochRecord r)
    {
        var c = CultureInfo.InvariantCulture;
        string metric = state.Objective.MetricName;
        var line = string.Create(c, $"Epoch {r.Epoch}/{state.Options.EpochCount}: loss {r.TrainLoss:F4}, {metric} {r.TrainMetric:F4}");
        if (r.ValidationLoss is double vl)
            line += string.Create(c, $", val_loss {vl:F4}, val_{metric} {r.ValidationMetric:F4}");
        if (r.ValidationAuc is double auc)
            line += string.Create(c, $", val_auc {auc:F4}");
        state.Host.Info(line + string.Create(c, $", lr {r.LearningRate:G4}, {r.Seconds:F1} s"));
        state.Options.Progress?.Report(new EpochReport(r, state.Options.EpochCount, metric, state.Clock.Elapsed));
    }
}
