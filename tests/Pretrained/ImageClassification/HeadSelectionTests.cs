using Microsoft.ML;
using Xunit.Abstractions;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>The head's L2 chosen by cross-validation on the training features (HeadSelectionOptions).</summary>
public sealed class HeadSelectionTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyntheticImageSet _set = new(perClass: 8, classes: 2);

    public void Dispose() => _set.Dispose();

    private static byte[] Graph(ImageClassificationTransformer model)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        return stream.ToArray();
    }

    [Fact]
    public void It_is_on_by_default_with_a_log_grid_from_0_to_1_and_5_folds()
    {
        var selection = new ImageTransferLearningOptions().HeadSelection;
        Assert.NotNull(selection);
        Assert.Equal([0, 1e-3, 1e-2, 1e-1, 1], selection.L2Values);
        Assert.Equal(5, selection.Folds);
    }

    [Fact]
    public void The_candidate_with_the_best_out_of_fold_scores_is_chosen_and_the_final_head_is_trained_with_it()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        var options = _set.Options();
        // 100 shrinks the weights until every probability is close to 1/2: right signs, but a log-loss near ln 2.
        options.HeadSelection = new HeadSelectionOptions { L2Values = [100, 1e-3], Folds = 4 };
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        var report = model.HeadSelection!;
        foreach (var candidate in report.Candidates)
            output.WriteLine($"L2 {candidate.L2}: accuracy {candidate.Accuracy:F4}, log-loss {candidate.LogLoss:F4}");
        Assert.Equal(4, report.Folds);
        Assert.Equal([100, 1e-3], report.Candidates.Select(c => c.L2));
        Assert.Equal(1e-3, report.ChosenL2);
        Assert.Equal(1.0, report.Candidates[1].Accuracy);
        Assert.True(report.Candidates[0].LogLoss > 0.6 && report.Candidates[0].LogLoss > 2 * report.Candidates[1].LogLoss,
            $"log-loss {report.Candidates[0].LogLoss} at L2 100 against {report.Candidates[1].LogLoss} at 0.001");

        // The same fit with the chosen value given directly: the same graph, bit for bit.
        var direct = _set.Options();
        direct.L2 = 1e-3;
        using var same = context.MulticlassClassification.Trainers.ImageTransferLearning(direct).Fit(data);
        Assert.Null(same.HeadSelection);
        Assert.Equal(Graph(same), Graph(model));
        direct.L2 = 0;
        using var other = context.MulticlassClassification.Trainers.ImageTransferLearning(direct).Fit(data);
        Assert.NotEqual(Graph(other), Graph(model));
    }

    [Fact]
    public void Folds_are_stratified_seeded_and_deal_each_class_round_robin()
    {
        int[] classes = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2];
        var folds = Training.HeadSelection.Folds(classes, 3, seed: 5);
        Assert.Equal(folds, Training.HeadSelection.Folds(classes, 3, seed: 5));
        Assert.NotEqual(folds, Training.HeadSelection.Folds(classes, 3, seed: 6));
        foreach (var c in classes.Distinct())
        {
            var perFold = Enumerable.Range(0, 3).Select(f => Enumerable.Range(0, classes.Length).Count(i => classes[i] == c && folds[i] == f)).ToArray();
            Assert.True(perFold.Max() - perFold.Min() <= 1, $"class {c}: [{string.Join(", ", perFold)}]");
            Assert.Equal(classes.Count(x => x == c), perFold.Sum());
        }
    }

    [Fact]
    public void A_class_with_a_single_image_skips_the_selection_and_trains_with_L2()
    {
        var context = new MLContext(1);
        var rows = _set.Rows.Where(r => r.Class == SyntheticImageSet.ClassNames[0]).Append(_set.Rows.First(r => r.Class == SyntheticImageSet.ClassNames[1])).ToList();
        var data = _set.Load(context, rows);
        var options = _set.Options();
        options.HeadSelection = new HeadSelectionOptions();
        var messages = new List<string>();
        context.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        Assert.Null(model.HeadSelection);
        Assert.Contains(messages, m => m.Contains("HeadSelection did not run: a class has 1 training image(s)"));
    }

    [Fact]
    public void A_bad_grid_or_fold_count_is_refused_naming_the_option()
    {
        var context = new MLContext(1);
        var e = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(new ImageTransferLearningOptions { HeadSelection = new() { L2Values = [] } }));
        Assert.StartsWith("ImageTransferLearningOptions.HeadSelection.L2Values is []; expected at least one value, each 0 or more.", e.Message);
        e = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(new ImageTransferLearningOptions { HeadSelection = new() { L2Values = [0.1, -1] } }));
        Assert.StartsWith("ImageTransferLearningOptions.HeadSelection.L2Values is [0.1, -1];", e.Message);
        e = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(new ImageTransferLearningOptions { HeadSelection = new() { Folds = 1 } }));
        Assert.StartsWith("ImageTransferLearningOptions.HeadSelection.Folds is 1; expected at least 2.", e.Message);
    }
}
