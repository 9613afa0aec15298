using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers;

/// <summary>
/// Area under the ROC curve of one pass: the probability that a random positive row scores above a random
/// negative one, ties counting one half (the Mann–Whitney U statistic over average ranks). Any monotone
/// function of the score gives the same AUC, so raw logits serve as well as probabilities.
/// </summary>
internal sealed class AucAccumulator : IMetricAccumulator
{
    private readonly List<float> _scores = new();
    private readonly List<bool> _positive = new();

    /// <summary>Adds a batch: <paramref name="output"/> holds one score per row, <paramref name="target"/> 1 for positive rows and 0 for negative ones.</summary>
    public void Add(Tensor output, Tensor target)
    {
        using var scores = output.reshape(-1).cpu();
        using var labels = target.reshape(-1).cpu();
        _scores.AddRange(scores.data<float>());
        foreach (float label in labels.data<float>())
            _positive.Add(label != 0);
    }

    /// <summary>The AUC, or NaN when the pass lacked positive or negative rows (AUC is then undefined).</summary>
    public double Result() => Compute(_scores, _positive);

    internal static double Compute(IReadOnlyList<float> scores, IReadOnlyList<bool> positive)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        long positives = positive.LongCount(p => p);
        long negatives = positive.Count - positives;
        if (positives == 0 || negatives == 0)
            return double.NaN;

        double positiveRankSum = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]])
                end++;
            // Tied scores share the mean of the 1-based ranks start+1 … end+1.
            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++)
            {
                if (positive[order[i]])
                    positiveRankSum += rank;
            }
            start = end + 1;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    public void Dispose()
    {
    }
}
