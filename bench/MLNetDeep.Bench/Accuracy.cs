using System.Diagnostics;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;
using MLNetDeep.Trainers;

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

    /// <summary>The MLP configs tried for ≥ 90.5 % test accuracy in ≤ 30 epochs; each is reported whatever it reached.</summary>
    private static readonly Dictionary<string, Func<DeepNeuralNetworkOptions>> Configs = new()
    {
        ["300-100 bn adam b128"] = () => new() { HiddenLayers = new[] { 300, 100 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, BatchSize = 128 },
        ["512-256 bn drop0.2 adam b128"] = () => new() { HiddenLayers = new[] { 512, 256 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.2, BatchSize = 128 },
        ["512-256 bn drop0.3 nadam l2=1e-5 b128"] = () => new() { HiddenLayers = new[] { 512, 256 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.3, Optimizer = OptimizerKind.Nadam, L2 = 1e-5, BatchSize = 128 },
        ["1024-512 bn drop0.3 adam b128"] = () => new() { HiddenLayers = new[] { 1024, 512 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.3, BatchSize = 128 },
        ["512-256 inputbn bn drop0.3 adam b256 lr2e-3"] = () => new() { HiddenLayers = new[] { 512, 256 }, InputBatchNormalization = true, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.3, BatchSize = 256, LearningRate = 2e-3 },
        ["512-256 bn drop0.2 adamw wd=0.05 b128"] = () => new() { HiddenLayers = new[] { 512, 256 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.2, Optimizer = OptimizerKind.AdamW, WeightDecay = 0.05, BatchSize = 128 },
        ["1024-512 bn drop0.4 adam b128 lr5e-4"] = () => new() { HiddenLayers = new[] { 1024, 512 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.4, BatchSize = 128, LearningRate = 5e-4 },
        ["800-400 bn drop0.3 adam b128 lr5e-4"] = () => new() { HiddenLayers = new[] { 800, 400 }, BatchNormalization = BatchNormalizationPlacement.BeforeActivation, DropoutRate = 0.3, BatchSize = 128, LearningRate = 5e-4 },
    };

    public static int Search(Args args)
    {
        string dir = Results.Directory(args);
        int threads = args.Int("--threads", 2);
        int epochs = args.Int("--epochs", 30);
        int patience = args.Int("--patience", 5);
        var data = BenchData.LoadArrays(args).ToDataViews();
        var names = args.Get("--configs", "") is { Length: > 0 } list
            ? list.Split(';').Select(s => s.Trim()).ToArray()
            : Configs.Keys.ToArray();

        using var csv = new CsvWriter(Path.Combine(dir, "search.csv"), "config", "test_accuracy", "best_val_accuracy", "best_epoch", "epochs_run", "train_seconds");
        var md = new StringBuilder();
        md.AppendLine($"### MLP search: ≤ {epochs} epochs, early stopping on validation accuracy (patience {patience}, best weights restored), seed 1, {threads} threads");
        md.AppendLine();
        md.AppendLine("| config | test accuracy | best val accuracy | kept epoch / run | training s | ≥ 90.5 % |");
        md.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var name in names)
        {
            var options = Configs[name]();
            options.Epochs = epochs;
            options.Seed = 1;
            options.NumberOfThreads = threads;
            options.ValidationSet = data.Validation;
            options.EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationAccuracy, Patience = patience, RestoreBestWeights = true };
            var ml = new MLContext(seed: 1);
            Console.WriteLine($"search: {name} …");
            var clock = Stopwatch.StartNew();
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data.Train);
            double seconds = clock.Elapsed.TotalSeconds;
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
            double bestVal = model.History.Epochs.Max(e => e.ValidationMetric ?? 0);
            csv.Row(name, metrics.MicroAccuracy, bestVal, model.History.BestEpoch, model.History.Epochs.Count, seconds);
            md.AppendLine($"| {name} | {metrics.MicroAccuracy:P2} | {bestVal:P2} | {model.History.BestEpoch} / {model.History.Epochs.Count} | {seconds:F0} | {(metrics.MicroAccuracy >= 0.905 ? "yes" : "no")} |");
            Console.WriteLine($"  {name}: test {metrics.MicroAccuracy:P2}, best val {bestVal:P2} at epoch {model.History.BestEpoch}/{model.History.Epochs.Count}, {seconds:F0} s");
            File.WriteAllText(Path.Combine(dir, "search-" + string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '-' ? c : '_')) + ".history.csv"), model.History.ToCsv());
        }
        Results.Markdown(args, "search.md", md.ToString());
        return 0;
    }
}
