using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNetDeep.Trainers;

namespace MLNetDeep.Bench;

/// <summary>
/// The tabular benchmark (issue 15): real tables exported by bench/tabular/export.py, five folds fixed by the file's
/// k0..k4 columns (the same folds scikit-learn reads from its Fold column), each contender on the same ML.NET
/// featurisation: one-hot for categorical columns, numeric columns as they are, then mean-variance normalisation.
/// Contenders are alternated fold by fold. Writes tabular.csv (one row per dataset, contender and fold) and
/// tabular.md (mean ± standard deviation over folds, joined with scikit-learn's sklearn-mlp.csv when present).
/// </summary>
internal static class Tabular
{
    private const int Folds = 5;

    private sealed record Dataset(string Name, string Task, int Rows, string Label, string[] Numeric, string[] Categorical, string Source);

    public static int Run(Args args)
    {
        var dataDir = args.Get("--data", Path.Combine("bench", "data", "tabular"));
        var outDir = Results.Directory(args);
        var contenders = args.List("--contenders", "dnn,sdca,lightgbm");
        var names = args.List("--datasets", "breast-cancer,hmda,digits,letter,diabetes,diamonds");
        // A subset of the five folds, to finish an interrupted run (the folds do not depend on each other).
        var folds = args.List("--folds", "0,1,2,3,4").Select(f => int.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        int seed = args.Int("--seed", 1);
        var dnnOverrides = args.Get("--dnn", "");
        // One thread for every contender: on a shared 2-core machine libtorch's default (all cores) made a 30-300-100-1
        // network 10-50x slower per step through thread contention; LightGbm and SDCA get the same, so times compare.
        int threads = args.Int("--threads", 1);
        var csvPath = Path.Combine(outDir, "tabular.csv");
        using (var csv = new CsvWriter(csvPath, "dataset", "task", "contender", "fold", "metric1", "metric2", "train_seconds"))
        {
            foreach (var name in names)
            {
                var dataset = Load(dataDir, name);
                foreach (int fold in folds)
                    // A different contender starts each fold, so a busy spell on the shared machine does not always hit the same one.
                    for (int c = 0; c < contenders.Length; c++)
                    {
                        var contender = contenders[(c + fold) % contenders.Length];
                        var (m1, m2, seconds) = RunFold(dataDir, dataset, contender, fold, seed, threads, dnnOverrides);
                        csv.Row(dataset.Name, dataset.Task, contender, fold, m1, m2, seconds);
                        Console.WriteLine($"{dataset.Name} fold {fold} {contender}: {m1:F4} {m2:F4} ({seconds:F1} s)");
                    }
            }
        }
        var sklearn = Path.Combine(outDir, "sklearn-mlp.csv");
        Results.Markdown(args, "tabular.md", Summary(dataDir, names, File.Exists(sklearn) ? new[] { csvPath, sklearn } : new[] { csvPath }));
        return 0;
    }

    private static Dataset Load(string dataDir, string name)
    {
        var path = Path.Combine(dataDir, name + ".json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' is missing: run /usr/bin/python3 bench/tabular/export.py {dataDir} (bench/run.sh tabular does).", path);
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        string[] Strings(string property) => root.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToArray();
        return new Dataset(root.GetProperty("name").GetString()!, root.GetProperty("task").GetString()!, root.GetProperty("rows").GetInt32(),
            root.GetProperty("label").GetString()!, Strings("numeric"), Strings("categorical"), root.GetProperty("source").GetString()!);
    }

    /// <summary>Trains on four folds, evaluates on the fifth: (accuracy, AUC), (accuracy, log-loss) or (RMSE, R²), and the Fit time.</summary>
    private static (double, double, double) RunFold(string dataDir, Dataset d, string contender, int fold, int seed, int threads, string dnnOverrides)
    {
        var ml = new MLContext(seed: seed);
        var labelKind = d.Task switch { "binary" => DataKind.Boolean, "multiclass" => DataKind.String, _ => DataKind.Single };
        var header = File.ReadLines(Path.Combine(dataDir, d.Name + ".csv")).First().Split(',');
        var columns = header.Select((h, i) => new TextLoader.Column(h,
            h == d.Label ? labelKind : d.Categorical.Contains(h) ? DataKind.String : DataKind.Single, i)).ToArray();
        var all = ml.Data.LoadFromTextFile(Path.Combine(dataDir, d.Name + ".csv"), columns, separatorChar: ',', hasHeader: true, allowQuoting: true);
        var train = ml.Data.FilterRowsByColumn(all, $"k{fold}", lowerBound: 1, upperBound: Folds);
        var test = ml.Data.FilterRowsByColumn(all, $"k{fold}", lowerBound: 0, upperBound: 1);
        // Cached once so every contender's Fit reads decoded rows, not the text file.
        train = ml.Data.Cache(train);

        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        if (d.Task == "multiclass")
            pipeline = pipeline.Append(ml.Transforms.Conversion.MapValueToKey("Label", d.Label));
        else if (d.Label != "Label")
            pipeline = pipeline.Append(ml.Transforms.CopyColumns("Label", d.Label));
        var featureParts = d.Numeric.ToList();
        foreach (var c in d.Categorical)
        {
            pipeline = pipeline.Append(ml.Transforms.Categorical.OneHotEncoding(c + "_onehot", c));
            featureParts.Add(c + "_onehot");
        }
        pipeline = pipeline.Append(ml.Transforms.Concatenate("Features", featureParts.ToArray()))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"));
        pipeline = pipeline.Append(Trainer(ml, d.Task, contender, threads, dnnOverrides));

        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(train);
        double seconds = clock.Elapsed.TotalSeconds;
        var scored = model.Transform(test);
        (double, double) metrics = d.Task switch
        {
            "binary" => BinaryMetrics(ml, scored),
            "multiclass" => MulticlassMetrics(ml, scored),
            _ => RegressionMetrics(ml, scored),
        };
        (model as IDisposable)?.Dispose();
        return (metrics.Item1, metrics.Item2, seconds);
    }

    private static (double, double) BinaryMetrics(MLContext ml, IDataView scored)
    {
        var m = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        return (m.Accuracy, m.AreaUnderRocCurve);
    }

    private static (double, double) MulticlassMetrics(MLContext ml, IDataView scored)
    {
        var m = ml.MulticlassClassification.Evaluate(scored);
        return (m.MicroAccuracy, m.LogLoss);
    }

    private static (double, double) RegressionMetrics(MLContext ml, IDataView scored)
    {
        var m = ml.Regression.Evaluate(scored);
        return (m.RootMeanSquaredError, m.RSquared);
    }

    private static IEstimator<ITransformer> Trainer(MLContext ml, string task, string contender, int threads, string dnnOverrides) => (task, contender) switch
    {
        ("binary", "dnn") => ml.BinaryClassification.Trainers.DeepNeuralNetwork(DnnOptions(threads, dnnOverrides)),
        ("multiclass", "dnn") => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(DnnOptions(threads, dnnOverrides)),
        ("regression", "dnn") => ml.Regression.Trainers.DeepNeuralNetwork(DnnOptions(threads, dnnOverrides)),
        ("binary", "sdca") => ml.BinaryClassification.Trainers.SdcaLogisticRegression(new Microsoft.ML.Trainers.SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = threads }),
        ("multiclass", "sdca") => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new Microsoft.ML.Trainers.SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads }),
        ("regression", "sdca") => ml.Regression.Trainers.Sdca(new Microsoft.ML.Trainers.SdcaRegressionTrainer.Options { NumberOfThreads = threads }),
        ("binary", "lightgbm") => ml.BinaryClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer.Options { NumberOfThreads = threads }),
        ("multiclass", "lightgbm") => ml.MulticlassClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmMulticlassTrainer.Options { NumberOfThreads = threads }),
        ("regression", "lightgbm") => ml.Regression.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmRegressionTrainer.Options { NumberOfThreads = threads }),
        _ => throw new ArgumentException($"Unknown contender '{contender}' (dnn, sdca, lightgbm) or task '{task}'."),
    };

    /// <summary>
    /// The DNN's options: the defaults with only the columns and the thread count set, unless --dnn names overrides
    /// ("Epochs=60;BatchSize=128", "EarlyStopping=10" for a patience; for the measurements behind the defaults in BENCHMARKS.md), each set by property name.
    /// </summary>
    private static DeepNeuralNetworkOptions DnnOptions(int threads, string overrides)
    {
        var options = new DeepNeuralNetworkOptions { LabelColumnName = "Label", FeatureColumnName = "Features", NumberOfThreads = threads };
        foreach (var pair in overrides.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var property = typeof(DeepNeuralNetworkOptions).GetProperty(parts[0])
                ?? throw new ArgumentException($"--dnn: DeepNeuralNetworkOptions has no property '{parts[0]}'.");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object? value = parts[1] == "null" ? null
                // "EarlyStopping=10": validation-loss early stopping with that patience, best weights restored;
                // "EarlyStopping=10:ValidationAuc" stops on that metric instead.
                : type == typeof(EarlyStoppingOptions) ? EarlyStopping(parts[1])
                : type == typeof(int[]) ? parts[1].Split('-').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
                : type.IsEnum ? Enum.Parse(type, parts[1])
                : Convert.ChangeType(parts[1], type, CultureInfo.InvariantCulture);
            property.SetValue(options, value);
        }
        return options;
    }

    private static EarlyStoppingOptions EarlyStopping(string text)
    {
        var parts = text.Split(':', 2);
        var options = new EarlyStoppingOptions { Patience = int.Parse(parts[0], CultureInfo.InvariantCulture) };
        if (parts.Length == 2)
            options.Metric = Enum.Parse<EarlyStoppingMetric>(parts[1]);
        return options;
    }

    /// <summary>Mean ± standard deviation (over folds, n − 1) of each metric and the mean Fit time, one table per task.</summary>
    private static string Summary(string dataDir, string[] names, string[] csvPaths)
    {
        var rows = csvPaths.SelectMany(p => File.ReadLines(p).Skip(1)).Select(l => l.Split(','))
            .Select(f => (Dataset: f[0], Task: f[1], Contender: f[2], M1: double.Parse(f[4], CultureInfo.InvariantCulture),
                M2: double.Parse(f[5], CultureInfo.InvariantCulture), Seconds: double.Parse(f[6], CultureInfo.InvariantCulture)))
            .ToList();
        var text = new StringBuilder("# Tabular benchmark (5-fold CV, same folds for every contender)\n\n");
        foreach (var (task, m1, m2) in new[] { ("binary", "accuracy", "AUC"), ("multiclass", "accuracy", "log-loss"), ("regression", "RMSE", "R²") })
        {
            var taskRows = rows.Where(r => r.Task == task).ToList();
            if (taskRows.Count == 0)
                continue;
            text.AppendLine($"## {task}\n");
            text.AppendLine($"| dataset | rows | contender | {m1} | {m2} | train s / fold |");
            text.AppendLine("|---|---:|---|---|---|---:|");
            foreach (var name in names.Where(n => taskRows.Any(r => r.Dataset == n)))
            {
                var d = Load(dataDir, name);
                foreach (var group in taskRows.Where(r => r.Dataset == name).GroupBy(r => r.Contender))
                {
                    var g = group.ToList();
                    text.AppendLine($"| {name} | {d.Rows:N0} | {group.Key} | {MeanStd(g.Select(r => r.M1))} | {MeanStd(g.Select(r => r.M2))} | {g.Average(r => r.Seconds):F1} |");
                }
            }
            text.AppendLine();
        }
        return text.ToString();
    }

    private static string MeanStd(IEnumerable<double> values)
    {
        var v = values.ToList();
        double mean = v.Average();
        double std = v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : 0;
        return $"{mean:F4} ± {std:F4}";
    }
}
