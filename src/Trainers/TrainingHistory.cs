using System.Globalization;
using System.Text;

namespace MLNetDeep.Trainers;

/// <summary>The per-epoch record of a training run, like the <c>History</c> object Keras' <c>fit</c> returns.</summary>
public sealed class TrainingHistory
{
    internal TrainingHistory(IReadOnlyList<EpochRecord> epochs, string metricName, int bestEpoch, bool stoppedEarly)
    {
        Epochs = epochs;
        MetricName = metricName;
        BestEpoch = bestEpoch;
        StoppedEarly = stoppedEarly;
    }

    /// <summary>One record per completed epoch, in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs { get; }

    /// <summary>What <see cref="EpochRecord.TrainMetric"/> and <see cref="EpochRecord.ValidationMetric"/> measure, e.g. "accuracy".</summary>
    public string MetricName { get; }

    /// <summary>The epoch whose weights the model holds: the best monitored epoch when early stopping restored weights, else the last.</summary>
    public int BestEpoch { get; }

    /// <summary>Whether early stopping ended training before the configured number of epochs.</summary>
    public bool StoppedEarly { get; }

    /// <summary>The history as CSV with a header row (invariant culture); a <c>val_auc</c> column follows <c>val_{metric}</c> when the epochs measured validation AUC.</summary>
    public string ToCsv()
    {
        bool hasAuc = Epochs.Any(e => e.ValidationAuc is not null);
        var csv = new StringBuilder();
        csv.AppendLine($"epoch,loss,{MetricName},val_loss,val_{MetricName}{(hasAuc ? ",val_auc" : "")},lr,seconds");
        foreach (var e in Epochs)
        {
            var auc = hasAuc ? "," + Format(e.ValidationAuc) : "";
            csv.AppendLine(string.Join(",",
                e.Epoch.ToString(CultureInfo.InvariantCulture),
                Format(e.TrainLoss), Format(e.TrainMetric), Format(e.ValidationLoss), Format(e.ValidationMetric) + auc,
                Format(e.LearningRate), Format(e.Seconds)));
        }
        return csv.ToString();
    }

    private static string Format(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";
}
