using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Hosting;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// Runs <see cref="HeadSelectionOptions"/>: for each L2 candidate, trains a head on every fold's training part of the
/// cached features and scores it on the fold's held-out part. Folds are stratified and seeded, the same for every candidate.
/// </summary>
internal static class HeadSelection
{
    /// <summary>The report, or null when a class has fewer than 2 images (no fold could hold it out and train on it).</summary>
    /// <param name="environment">The host environment the head trainers run in.</param>
    /// <param name="host">Receives the per-candidate log lines.</param>
    /// <param name="selection">The grid and fold count.</param>
    /// <param name="headOptions">The head's options with the candidate's L2 set; progress, checkpoints and (without early stopping) validation data are turned off here.</param>
    /// <param name="label">The training label column (key type and key values).</param>
    /// <param name="classes">Each training row's class index.</param>
    /// <param name="features">The rows' cached features, row after row.</param>
    /// <param name="featureCount">Features per row.</param>
    /// <param name="seed">Seeds the fold assignment.</param>
    /// <param name="cancellationToken">Checked between head fits (and inside them).</param>
    public static HeadSelectionReport? Run(IHostEnvironment environment, TrainingHost host, HeadSelectionOptions selection, Func<double, DeepNeuralNetworkOptions> headOptions,
        DataViewSchema.Column label, IReadOnlyList<int> classes, float[] features, int featureCount, int seed, CancellationToken cancellationToken)
    {
        var smallest = classes.GroupBy(c => c).Min(g => g.Count());
        var folds = Math.Min(selection.Folds, smallest);
        if (folds < 2)
        {
            host.Warning($"HeadSelection did not run: a class has {smallest} training image(s), and cross-validation needs 2 in every class. L2 is ImageTransferLearningOptions.L2.");
            return null;
        }
        var fold = Folds(classes, folds, seed);
        var context = new MLContext(seed);
        var scores = new List<HeadCandidateScore>();
        foreach (var l2 in selection.L2Values)
        {
            var (correct, logLoss) = (0, 0.0);
            for (var f = 0; f < folds; f++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var train = Enumerable.Range(0, classes.Count).Where(i => fold[i] != f).ToArray();
                var held = Enumerable.Range(0, classes.Count).Where(i => fold[i] == f).ToArray();
                var options = headOptions(l2);
                options.Progress = null;
                options.CheckpointDirectory = null;
                // The held-out fold is the validation here; a ValidationFraction split would only take training rows
                // away from the fold's head, unless early stopping needs the validation metric.
                if (options.EarlyStopping is null)
                    (options.ValidationFraction, options.ValidationSet) = (0, null);
                using var head = new MulticlassDeepNeuralNetworkTrainer(environment, options).Fit(Subset(context, label, classes, features, featureCount, train), cancellationToken);
                var scored = head.Transform(Subset(context, label, classes, features, featureCount, held));
                var probabilities = scored.GetColumn<float[]>("Score").ToArray();
                for (var j = 0; j < held.Length; j++)
                {
                    var p = probabilities[j];
                    var truth = classes[held[j]];
                    if (Array.IndexOf(p, p.Max()) == truth)
                        correct++;
                    logLoss -= Math.Log(Math.Max(p[truth], 1e-15));
                }
            }
            var score = new HeadCandidateScore(l2, (double)correct / classes.Count, logLoss / classes.Count);
            scores.Add(score);
            host.Info($"HeadSelection: L2 {l2}: out-of-fold accuracy {score.Accuracy:F4}, log-loss {score.LogLoss:F4} ({folds} folds).");
        }
        var chosen = scores.OrderByDescending(s => s.Accuracy).ThenBy(s => s.LogLoss).ThenBy(s => s.L2).First();
        host.Info($"HeadSelection chose L2 {chosen.L2}.");
        return new HeadSelectionReport(folds, scores, chosen.L2);
    }

    /// <summary>Each row's fold: within each class, rows in a seeded shuffled order are dealt round-robin.</summary>
    internal static int[] Folds(IReadOnlyList<int> classes, int folds, int seed)
    {
        var random = new Random(seed);
        var fold = new int[classes.Count];
        foreach (var group in Enumerable.Range(0, classes.Count).GroupBy(i => classes[i]).OrderBy(g => g.Key))
        {
            var rows = group.ToArray();
            random.Shuffle(rows);
            for (var i = 0; i < rows.Length; i++)
                fold[rows[i]] = i % folds;
        }
        return fold;
    }

    private static IDataView Subset(MLContext context, DataViewSchema.Column label, IReadOnlyList<int> classes, float[] features, int featureCount, int[] rows)
    {
        var subset = new float[(long)rows.Length * featureCount];
        for (var j = 0; j < rows.Length; j++)
            features.AsSpan(rows[j] * featureCount, featureCount).CopyTo(subset.AsSpan(j * featureCount));
        return HeadData.Create(context, label, rows.Select(r => classes[r]).ToArray(), subset, featureCount);
    }
}
