using System.Diagnostics;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 3: test accuracy, training time and model zip size on Fashion-MNIST (train 55k, validation 5k, test 10k)
/// for the DNN and ML.NET's SdcaMaximumEntropy, LbfgsMaximumEntropy and LightGbm; and (search) a few MLP configs
/// aiming at ≥ 90.5 % test accuracy in ≤ 30 epochs. Zips (and the DNN's ONNX graph) go to results/models for the
/// inference benchmark.
/// </summary>
internal static class Accuracy
{
    public static int Run(Args args)
    {
        string dir = Results.Directory(args);
        string models = Path.Combine(dir, "models");
        Directory.CreateDirectory(models);
        int threads = args.Int("--threads", 2);
        int dnnEpochs = args.Int("--dnn-epochs", 20);
        int? maxTrain = args.Int("--max-train", 0) is > 0 and var m ? m : null;
        var data = BenchData.LoadArrays(args, maxTrain).ToDataViews();
        string[] which = args.List("--models", "dnn,sdca,lbfgs,lightgbm");

        using var csv = new CsvWriter(Path.Combine(dir, "accuracy.csv"), "model", "test_accuracy", "test_logloss", "train_seconds", "zip_bytes", "epochs_run", "best_epoch", "notes");
        var md = new StringBuilder();
        md.AppendLine($"### Accuracy, training time and size (Fashion-MNIST train {data.Train.GetRowCount():N0} / validation {data.Validation.GetRowCount():N0} / test {data.Test.GetRowCount():N0}, {threads} threads)");
        md.AppendLine();
        md.AppendLine("| model | test accuracy | test log-loss | training s | accuracy points per training minute | zip KiB | notes |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|");

        foreach (var name in which)
        {
            var ml = new MLContext(seed: 1);
            IEstimator<ITransformer> estimator;
            string notes;
            DeepNeuralNetworkOptions? dnn = null;
            switch (name)
            {
                case "dnn":
                    dnn = new DeepNeuralNetworkOptions
                    {
                        HiddenLayers = new[] { 300, 100 },
                        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
                        Epochs = dnnEpochs,
                        BatchSize = args.Int("--dnn-batch", 128),
                        Seed = 1,
                        NumberOfThreads = threads,
                        ValidationSet = data.Validation,
                        EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationAccuracy, Patience = 4, RestoreBestWeights = true },
                    };
                    estimator = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(dnn);
                    notes = $"784-300-100-10 BN ReLU Adam, batch {dnn.BatchSize}, ≤ {dnnEpochs} epochs, early stopping on val acc (patience 4)";
                    break;
                case "sdca":
                    estimator = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads });
                    notes = "SdcaMaximumEntropy defaults";
                    break;
                case "lbfgs":
                    estimator = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads });
                    notes = "LbfgsMaximumEntropy defaults";
                    break;
                case "lightgbm":
                    estimator = ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfThreads = threads, Seed = 1 });
                    notes = "LightGbm defaults (100 boosting rounds)";
                    break;
                default:
                    throw new ArgumentException($"Unknown model '{name}'.");
            }

            Console.WriteLine($"accuracy: training {name} …");
            var clock = Stopwatch.StartNew();
            var model = estimator.Fit(data.Train);
            double seconds = clock.Elapsed.TotalSeconds;
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
            string zip = Path.Combine(models, name + ".zip");
            ml.Model.Save(model, data.Train.Schema, zip);
            long bytes = new FileInfo(zip).Length;
            int epochsRun = 0, best = 0;
            if (model is DeepNeuralNetworkTransformer deep)
            {
                using (var onnx = File.Create(Path.Combine(models, name + ".onnx")))
                    deep.ExportOnnx(onnx);
                epochsRun = deep.History.Epochs.Count;
                best = deep.History.BestEpoch;
                notes += $"; ran {epochsRun}, kept epoch {best}";
                deep.Dispose();
            }
            csv.Row(name, metrics.MicroAccuracy, metrics.LogLoss, seconds, bytes, epochsRun, best, notes);
            md.AppendLine($"| {name} | {metrics.MicroAccuracy:P2} | {metrics.LogLoss:F4} | {seconds:F1} | {metrics.MicroAccuracy * 100 / (seconds / 60):F1} | {bytes / 1024.0:F0} | {notes} |");
            Console.WriteLine($"  {name}: accuracy {metrics.MicroAccuracy:P2}, {seconds:F1} s, {bytes / 1024.0:F0} KiB");
        }
        Results.Markdown(args, "accuracy.md", md.ToString());
        return 0;
    }

    /// <summary>
    /// One search config: the options, an optional learning-rate schedule made for the run's total step count, and
    /// whether early stopping (on validation accuracy, best weights restored) may end the run. A schedule that decays
    /// to the end of training is run without it, so the model is the last epoch's.
    /// </summary>
    private sealed record SearchConfig(Func<DeepNeuralNetworkOptions> Create, Func<long, LearningRateSchedule>? Schedule = null, bool EarlyStopping = true);

    private static DeepNeuralNetworkOptions Mlp(int[] hidden, double dropout, int batch, double lr = 1e-3, OptimizerKind optimizer = OptimizerKind.Adam, double weightDecay = 0.01, double labelSmoothing = 0) => new()
    {
        HiddenLayers = hidden,
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        DropoutRate = dropout,
        BatchSize = batch,
        LearningRate = lr,
        Optimizer = optimizer,
        WeightDecay = weightDecay,
        LabelSmoothing = labelSmoothing,
    };

    private static SearchConfig Cosine(DeepNeuralNetworkOptions options, double floor = 0) =>
        new(() => options, steps => new CosineDecaySchedule(steps) { MinimumLearningRate = floor }, EarlyStopping: false);

    /// <summary>The MLP configs tried for ≥ 90.5 % test accuracy in ≤ 30 epochs; each is reported whatever it reached.</summary>
    private static readonly Dictionary<string, SearchConfig> Configs = new()
    {
        // Constant learning rate (search, search2, search3).
        ["300-100 bn adam b128"] = new(() => new() { HiddenLayers = new[] { 300, 100 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, BatchSize = 128 }),
        ["512-256 bn drop0.2 adam b128"] = new(() => Mlp(new[] { 512, 256 }, 0.2, 128)),
        ["512-256 bn drop0.3 nadam l2=1e-5 b128"] = new(() => new() { HiddenLayers = new[] { 512, 256 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.3, Optimizer = OptimizerKind.Nadam, L2 = 1e-5, BatchSize = 128 }),
        ["1024-512 bn drop0.3 adam b128"] = new(() => Mlp(new[] { 1024, 512 }, 0.3, 128)),
        ["512-256 inputbn bn drop0.3 adam b256 lr2e-3"] = new(() => new() { HiddenLayers = new[] { 512, 256 }, InputBatchNormalization = true, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.3, BatchSize = 256, LearningRate = 2e-3 }),
        ["512-256 bn drop0.2 adamw wd=0.05 b128"] = new(() => Mlp(new[] { 512, 256 }, 0.2, 128, optimizer: OptimizerKind.AdamW, weightDecay: 0.05)),
        ["1024-512 bn drop0.4 adam b128 lr5e-4"] = new(() => Mlp(new[] { 1024, 512 }, 0.4, 128, lr: 5e-4)),
        ["800-400 bn drop0.3 adam b128 lr5e-4"] = new(() => Mlp(new[] { 800, 400 }, 0.3, 128, lr: 5e-4)),
        // Schedules over the whole run, no early stopping: the model is the last epoch's (search4).
        ["512-256 bn drop0.2 adam b128 cosine"] = Cosine(Mlp(new[] { 512, 256 }, 0.2, 128)),
        ["512-256 bn drop0.3 adam b128 cosine lr2e-3"] = Cosine(Mlp(new[] { 512, 256 }, 0.3, 128, lr: 2e-3)),
        ["512-256 bn drop0.3 adam b256 cosine lr2e-3 floor1e-5"] = Cosine(Mlp(new[] { 512, 256 }, 0.3, 256, lr: 2e-3), floor: 1e-5),
        ["512-256 bn drop0.3 adamw wd=0.1 b128 cosine lr2e-3"] = Cosine(Mlp(new[] { 512, 256 }, 0.3, 128, lr: 2e-3, optimizer: OptimizerKind.AdamW, weightDecay: 0.1)),
        ["512-256 bn drop0.3 adam b128 1cycle lr4e-3"] = new(() => Mlp(new[] { 512, 256 }, 0.3, 128, lr: 4e-3), steps => new OneCycleSchedule(steps), EarlyStopping: false),
        ["800-400 bn drop0.3 adam b128 cosine"] = Cosine(Mlp(new[] { 800, 400 }, 0.3, 128)),
        ["800-400 bn drop0.4 adam b256 cosine lr2e-3"] = Cosine(Mlp(new[] { 800, 400 }, 0.4, 256, lr: 2e-3)),
        ["1024-1024 bn drop0.4 adam b256 cosine lr2e-3"] = Cosine(Mlp(new[] { 1024, 1024 }, 0.4, 256, lr: 2e-3)),
        // Label smoothing ε = 0.1 on top of a cosine schedule.
        ["512-256 bn drop0.2 adam b128 cosine ls0.1"] = Cosine(Mlp(new[] { 512, 256 }, 0.2, 128, labelSmoothing: 0.1)),
        ["512-256 bn drop0.3 adam b256 cosine lr2e-3 ls0.1"] = Cosine(Mlp(new[] { 512, 256 }, 0.3, 256, lr: 2e-3, labelSmoothing: 0.1)),
        ["800-400 bn drop0.3 adam b256 cosine lr2e-3 ls0.1"] = Cosine(Mlp(new[] { 800, 400 }, 0.3, 256, lr: 2e-3, labelSmoothing: 0.1)),
    };

    public static int Search(Args args)
    {
        string dir = Results.Directory(args);
        int threads = args.Int("--threads", 2);
        int epochs = args.Int("--epochs", 30);
        int patience = args.Int("--patience", 5);
        int seed = args.Int("--seed", 1);
        var data = BenchData.LoadArrays(args).ToDataViews();
        long trainRows = data.Train.GetRowCount() ?? throw new InvalidOperationException("The training view has no row count.");
        // Names contain spaces and '=', never ',' or ';': either separates them.
        var names = args.Get("--configs", "") is { Length: > 0 } list
            ? list.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : Configs.Keys.ToArray();
        foreach (var name in names)
        {
            if (!Configs.ContainsKey(name))
                throw new ArgumentException($"Unknown search config '{name}'. Known: {string.Join("; ", Configs.Keys)}.");
        }

        using var csv = new CsvWriter(Path.Combine(dir, "search.csv"), "config", "seed", "test_accuracy", "best_val_accuracy", "best_val_epoch", "kept_epoch", "epochs_run", "train_seconds", "loadavg_start", "loadavg_end", "early_stopping");
        var md = new StringBuilder();
        md.AppendLine($"### MLP search: ≤ {epochs} epochs, seed {seed}, {threads} thread(s); constant-rate configs stop early on validation accuracy (patience {patience}, best weights restored), scheduled ones keep the last epoch");
        md.AppendLine();
        md.AppendLine("| config | test accuracy | best val accuracy (epoch) | kept epoch / run | training s | load average (1 min) start → end | ≥ 90.5 % |");
        md.AppendLine("|---|---:|---:|---:|---:|---|---|");
        foreach (var name in names)
        {
            var config = Configs[name];
            var options = config.Create();
            options.Epochs = epochs;
            options.Seed = seed;
            options.NumberOfThreads = threads;
            options.ValidationSet = data.Validation;
            long stepsPerEpoch = (trainRows + options.BatchSize - 1) / options.BatchSize;
            options.LearningRateSchedule = config.Schedule?.Invoke(epochs * stepsPerEpoch);
            options.EarlyStopping = config.EarlyStopping
                ? new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationAccuracy, Patience = patience, RestoreBestWeights = true }
                : null;
            var ml = new MLContext(seed: seed);
            string loadStart = LoadAverage();
            Console.WriteLine($"search: {name} (seed {seed}, load average {loadStart}) …");
            var clock = Stopwatch.StartNew();
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data.Train);
            double seconds = clock.Elapsed.TotalSeconds;
            string loadEnd = LoadAverage();
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
            var best = model.History.Epochs.MaxBy(e => e.ValidationMetric ?? 0)!;
            double bestVal = best.ValidationMetric ?? 0;
            csv.Row(name, seed, metrics.MicroAccuracy, bestVal, best.Epoch, model.History.BestEpoch, model.History.Epochs.Count, seconds, loadStart, loadEnd, config.EarlyStopping ? $"patience {patience}" : "none");
            md.AppendLine($"| {name} | {metrics.MicroAccuracy:P2} | {bestVal:P2} ({best.Epoch}) | {model.History.BestEpoch} / {model.History.Epochs.Count} | {seconds:F0} | {loadStart} → {loadEnd} | {(metrics.MicroAccuracy >= 0.905 ? "yes" : "no")} |");
            Console.WriteLine($"  {name}: test {metrics.MicroAccuracy:P2}, best val {bestVal:P2} at epoch {best.Epoch}, kept {model.History.BestEpoch}/{model.History.Epochs.Count}, {seconds:F0} s, load {loadStart} → {loadEnd}");
            string file = string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '-' ? c : '_'));
            File.WriteAllText(Path.Combine(dir, $"search-{file}{(seed == 1 ? "" : $"-seed{seed}")}.history.csv"), model.History.ToCsv());
        }
        Results.Markdown(args, "search.md", md.ToString());
        return 0;
    }

    /// <summary>The 1-minute load average from /proc/loadavg: the machine is shared, so every timing carries it.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
