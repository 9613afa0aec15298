using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Observability;
using static TorchSharp.torch;

namespace Chapter11.Experiments;

/// <summary>
/// The chapter's callbacks, as options of the trainer: early stopping (Keras' <c>EarlyStopping</c> with
/// <c>restore_best_weights</c>), checkpoints that resume an interrupted run exactly (<c>ModelCheckpoint</c> and
/// <c>BackupAndRestore</c>), and TensorBoard event files (<c>TensorBoard</c>). One network (784-300-100-10, ReLU, He init,
/// dropout 0.2, Adam 0.001, batch 32, seed 42; quick: 784-50-10) is trained four times: without early stopping (the
/// uninterrupted reference), with it, and with checkpoints, cancelled after an epoch and then resumed by a second Fit.
/// </summary>
public static class Callbacks
{
    /// <summary>Runs the four trainings; writes the table, the TensorBoard read-back and the loss curves.</summary>
    public static ExperimentResult Run(ExperimentSettings settings)
    {
        int epochs = settings.EpochsOr(15, quick: 6);
        if (epochs < 2)
            throw new ArgumentOutOfRangeException(nameof(settings), epochs, "The callbacks experiment needs --epochs 2 or more: it interrupts the run half-way and resumes it.");
        int interruptAfter = epochs / 2;
        int patience = settings.Quick ? 2 : 3;
        var result = new ExperimentResult($"Callbacks: early stopping, checkpoint and resume, TensorBoard ({epochs} epochs)", settings.OutputDirectory,
            "run", "epochs trained", "best epoch", "best validation loss", "test accuracy", "seconds");
        var ml = ExperimentSettings.NewContext();
        var train = ImageData.Multiclass(settings.Data.Train);
        var validation = ImageData.Multiclass(settings.Data.Validation);
        var test = ImageData.Multiclass(settings.Data.Test);
        DeepNeuralNetworkOptions Options()
        {
            var options = Comparisons.BaseOptions(settings, validation, epochs);
            // Dropout draws from the training generator, so an exact resume must restore its state too.
            options.DropoutRate = 0.2;
            return options;
        }

        // 1. Every epoch, no early stopping: the reference for both early stopping and the resumed run.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var straight = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options()).Fit(train);
        double straightSeconds = clock.Elapsed.TotalSeconds;
        double straightAccuracy = ImageData.Accuracy(ml, straight, test);
        int lowestLossEpoch = LowestValidationLossEpoch(straight.History);
        result.Table.Add("without early stopping (last epoch's weights)", straight.History.Epochs.Count, $"{lowestLossEpoch} (lowest validation loss)",
            BestValidationLoss(straight.History), straightAccuracy, straightSeconds.ToString("F0"));

        // 2. Early stopping on the validation loss, best weights restored.
        var earlyOptions = Options();
        earlyOptions.EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationLoss, Patience = patience, RestoreBestWeights = true };
        clock.Restart();
        using var early = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(earlyOptions).Fit(train);
        double earlySeconds = clock.Elapsed.TotalSeconds;
        double earlyAccuracy = ImageData.Accuracy(ml, early, test);
        result.Table.Add($"early stopping (validation loss, patience {patience}, best restored){(early.History.StoppedEarly ? "" : ": did not stop")}",
            early.History.Epochs.Count, early.History.BestEpoch, BestValidationLoss(early.History), earlyAccuracy, earlySeconds.ToString("F0"));

        // 3. Checkpoints every epoch and TensorBoard logs; the run is interrupted after epoch k, as Ctrl+C would
        //    (a CancellationToken cancelled from the progress callback: the Fit throws before epoch k + 1's first batch).
        string checkpoints = result.PathOf("checkpoints"), logs = result.PathOf("tensorboard");
        foreach (var folder in new[] { checkpoints, logs })
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        using var cancellation = new CancellationTokenSource();
        var interrupted = new EpochWatcher(stopAfter: interruptAfter, cancellation);
        var resumableOptions = Options();
        resumableOptions.CheckpointDirectory = checkpoints;
        resumableOptions.TensorBoardLogDirectory = logs;
        resumableOptions.Progress = interrupted;
        clock.Restart();
        bool cancelled = false;
        try
        {
            using var unfinished = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(resumableOptions).Fit(train, cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }
        double interruptedSeconds = clock.Elapsed.TotalSeconds;
        if (!cancelled)
            throw new InvalidOperationException($"The run was to be cancelled after epoch {interruptAfter} of {epochs} but finished; nothing was interrupted.");
        result.Table.Add($"checkpoints, cancelled after epoch {interruptAfter}", interrupted.Epochs.Count, null, null, null, interruptedSeconds.ToString("F0"));

        // 4. The same options and checkpoint folder in a new Fit: it resumes after the last completed epoch.
        var resumed = new EpochWatcher(stopAfter: null, cancellation: null);
        resumableOptions.Progress = resumed;
        clock.Restart();
        using var finished = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(resumableOptions).Fit(train);
        double resumedSeconds = clock.Elapsed.TotalSeconds;
        double resumedAccuracy = ImageData.Accuracy(ml, finished, test);
        result.Table.Add($"resumed from the checkpoint (epochs {resumed.Epochs.FirstOrDefault()}–{resumed.Epochs.LastOrDefault()} in this Fit)",
            finished.History.Epochs.Count, $"{LowestValidationLossEpoch(finished.History)} (lowest validation loss)",
            BestValidationLoss(finished.History), resumedAccuracy, resumedSeconds.ToString("F0"));

        var weights = Compare(Weights(straight), Weights(finished));
        var scores = Compare(Scores(ml, straight, test), Scores(ml, finished, test));
        bool sameHistory = straight.History.Epochs.Select(e => (e.TrainLoss, e.TrainMetric, e.ValidationLoss, e.ValidationMetric, e.LearningRate))
            .SequenceEqual(finished.History.Epochs.Select(e => (e.TrainLoss, e.TrainMetric, e.ValidationLoss, e.ValidationMetric, e.LearningRate)));
        result.Notes.Add($"**Resumed against uninterrupted:** {weights.Count:N0} weights, {(weights.Identical ? "all bit-identical" : $"{weights.Different:N0} different (largest difference {weights.LargestDifference:G3})")}; " +
            $"{scores.Count:N0} test scores (the 'Score' column, {settings.Data.Test.Count:N0} images × 10 classes), {(scores.Identical ? "all bit-identical" : $"{scores.Different:N0} different (largest difference {scores.LargestDifference:G3})")}; " +
            $"per-epoch training and validation loss, accuracy and learning rate {(sameHistory ? "identical in all" : "different in some of the")} {finished.History.Epochs.Count} epochs. " +
            $"The resumed Fit reported epochs {resumed.Epochs.FirstOrDefault()} to {resumed.Epochs.LastOrDefault()} only: it trained the {resumed.Epochs.Count} epochs the interrupted one had not finished.");

        var tensorBoard = ReadTensorBoard(logs, finished.History);
        result.Notes.Add($"**TensorBoard** (`{Path.GetFileName(logs)}/`, `tensorboard --logdir {logs}`): the interrupted and the resumed Fit each wrote one file per run folder, " +
            $"so TensorBoard joins them into one curve (step = epoch). Read back with `TensorBoardEventReader.Read`:");
        result.Notes.Add(tensorBoard.Table.ToMarkdown().TrimEnd());
        result.Notes.Add($"Every logged `epoch_loss` equals the resumed model's `History` (as a 32-bit float): {(tensorBoard.MatchesHistory ? "yes" : "no")}. " +
            "Histograms (not listed): `weights/<layer>` and `gradients/<layer>` per epoch.");
        result.Notes.Add($"Network: {(settings.Quick ? "784-50-10" : "784-300-100-10")}, ReLU with He init, dropout 0.2, Adam 0.001, batch 32, seed 42; " +
            $"{settings.Data.Train.Count:N0} training, {settings.Data.Validation.Count:N0} validation, {settings.Data.Test.Count:N0} test images. " +
            "The best epoch of the runs without early stopping is the one with the lowest validation loss; their model is the last epoch's.");

        Curves.Save(result, "validation-loss.png", "Validation loss per epoch", "loss", new (string, IReadOnlyList<double>)[]
        {
            ("without early stopping", straight.History.Epochs.Select(e => e.ValidationLoss ?? double.NaN).ToList()),
            ($"early stopping (stopped at {early.History.Epochs.Count}, best {early.History.BestEpoch})", early.History.Epochs.Select(e => e.ValidationLoss ?? double.NaN).ToList()),
        });
        // The three lines lie on top of each other; the two Fits' colours cover the uninterrupted one where each trained.
        Curves.Save(result, "resume.png", "Training loss: uninterrupted, and interrupted then resumed (on top of it)", "loss", new (string, IReadOnlyList<double>)[]
        {
            ("uninterrupted", straight.History.Epochs.Select(e => e.TrainLoss).ToList()),
            ($"interrupted Fit (epochs 1–{interruptAfter})", interrupted.Losses),
            ($"resumed Fit (epochs {interruptAfter + 1}–{epochs})", Enumerable.Repeat(double.NaN, interrupted.Epochs.Count).Concat(resumed.Losses).ToList()),
        });

        result.Numbers["without early stopping/epochs"] = straight.History.Epochs.Count;
        result.Numbers["without early stopping/lowest validation loss epoch"] = lowestLossEpoch;
        result.Numbers["without early stopping/test accuracy"] = straightAccuracy;
        result.Numbers["early stopping/epochs"] = early.History.Epochs.Count;
        result.Numbers["early stopping/best epoch"] = early.History.BestEpoch;
        result.Numbers["early stopping/best validation loss"] = BestValidationLoss(early.History);
        result.Numbers["early stopping/test accuracy"] = earlyAccuracy;
        result.Numbers["resume/interrupted after epoch"] = interrupted.Epochs.Count;
        result.Numbers["resume/first epoch of the resumed fit"] = resumed.Epochs.FirstOrDefault();
        result.Numbers["resume/epochs"] = finished.History.Epochs.Count;
        result.Numbers["resume/test accuracy"] = resumedAccuracy;
        result.Numbers["resume/weights identical (1 = yes, 2 = no)"] = weights.Identical ? 1 : 2;
        result.Numbers["resume/test scores identical (1 = yes, 2 = no)"] = scores.Identical ? 1 : 2;
        result.Numbers["resume/history identical (1 = yes, 2 = no)"] = sameHistory ? 1 : 2;
        result.Numbers["tensorboard/event files"] = tensorBoard.Files;
        result.Numbers["tensorboard/scalars"] = tensorBoard.Scalars;
        result.Numbers["tensorboard/epoch_loss equals history (1 = yes, 2 = no)"] = tensorBoard.MatchesHistory ? 1 : 2;
        return result;
    }

    private static double BestValidationLoss(TrainingHistory history) => history.Epochs.Min(e => e.ValidationLoss ?? double.PositiveInfinity);

    private static int LowestValidationLossEpoch(TrainingHistory history) =>
        history.Epochs.MinBy(e => e.ValidationLoss ?? double.PositiveInfinity)!.Epoch;

    /// <summary>Every weight and buffer of the network (batch-norm statistics included), in name order.</summary>
    private static float[] Weights(DeepNeuralNetworkTransformer model) => model.Network.state_dict()
        .OrderBy(kv => kv.Key, StringComparer.Ordinal)
        .SelectMany(kv => kv.Value.to(ScalarType.Float32).data<float>().ToArray()).ToArray();

    /// <summary>The scoring chain's Score column for every test row, flattened.</summary>
    private static float[] Scores(MLContext ml, ITransformer model, IDataView test) =>
        model.Transform(test).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();

    private static (int Count, bool Identical, int Different, double LargestDifference) Compare(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length)
            return (expected.Length, false, Math.Abs(expected.Length - actual.Length), double.PositiveInfinity);
        int different = 0;
        double largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            // Bit patterns, so that NaNs and signed zeros count too.
            if (BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]))
                continue;
            different++;
            largest = Math.Max(largest, Math.Abs((double)expected[i] - actual[i]));
        }
        return (expected.Length, different == 0, different, largest);
    }

    /// <summary>Each event file under <paramref name="logs"/> and its scalar tags, and whether every epoch_loss matches <paramref name="history"/>.</summary>
    private static (MarkdownTable Table, int Files, int Scalars, bool MatchesHistory) ReadTensorBoard(string logs, TrainingHistory history)
    {
        var table = new MarkdownTable("file", "steps (epochs)", "scalar tags");
        var files = Directory.GetFiles(logs, "events.out.tfevents.*", SearchOption.AllDirectories)
            .Select(TensorBoardEventReader.Read)
            .OrderBy(f => Path.GetRelativePath(logs, f.Path).Split(Path.DirectorySeparatorChar)[0], StringComparer.Ordinal)
            .ThenBy(f => f.Scalars.Count == 0 ? long.MaxValue : f.Scalars.Min(s => s.Step))
            .ToList();
        var trainLosses = new Dictionary<long, float>();
        foreach (var file in files)
        {
            var steps = file.Scalars.Select(s => s.Step).Distinct().Order().ToList();
            string relative = Path.GetRelativePath(logs, file.Path).Replace(Path.DirectorySeparatorChar, '/');
            // The folder and the file-name pattern; the time stamp, host and process id make the rest of the name.
            string shown = relative[..(relative.IndexOf("events.out.tfevents.", StringComparison.Ordinal) + "events.out.tfevents.".Length)] + "*";
            table.Add($"`{shown}`", steps.Count == 0 ? "–" : $"{steps[0]}–{steps[^1]}",
                string.Join(", ", file.Scalars.GroupBy(s => s.Tag).Select(g => $"`{g.Key}` ×{g.Count()}")));
            if (relative.StartsWith("train/", StringComparison.Ordinal))
            {
                foreach (var scalar in file.Scalars.Where(s => s.Tag == "epoch_loss"))
                    trainLosses[scalar.Step] = scalar.Value;
            }
        }
        bool matches = trainLosses.Count == history.Epochs.Count &&
            history.Epochs.All(e => trainLosses.TryGetValue(e.Epoch, out float logged) && logged == (float)e.TrainLoss);
        return (table, files.Count, files.Sum(f => f.Scalars.Count), matches);
    }

    /// <summary>
    /// A progress callback (called on the training thread after each epoch, after its checkpoint is written) that
    /// records the epochs it sees and, when asked, cancels the run after one of them.
    /// </summary>
    private sealed class EpochWatcher(int? stopAfter, CancellationTokenSource? cancellation) : IProgress<EpochReport>
    {
        public List<int> Epochs { get; } = new();

        public List<double> Losses { get; } = new();

        public void Report(EpochReport value)
        {
            Epochs.Add(value.Epoch);
            Losses.Add(value.Record.TrainLoss);
            if (value.Epoch == stopAfter)
                cancellation?.Cancel();
        }
    }
}
