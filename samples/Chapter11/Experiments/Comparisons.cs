using Microsoft.ML;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Schedules;

namespace Chapter11.Experiments;

/// <summary>
/// The chapter's side-by-side experiments: one MLP (784-300-100-10, ReLU, He init, Adam 0.001, batch 32, seed 42;
/// quick: 784-50-10) trained once per variant, with a table of validation and test accuracy and time, and the validation
/// curves of all variants in one plot.
/// </summary>
public static class Comparisons
{
    private sealed record Variant(string Name, Action<DeepNeuralNetworkOptions> Configure, bool Standardize = false);

    /// <summary>ReLU, LeakyReLU, PReLU, ELU, SELU (standardized inputs, LeCun init), GELU and Swish.</summary>
    public static ExperimentResult Activations(ExperimentSettings settings) => Compare(settings, "Activation functions", 10,
        new Variant("ReLU", o => o.Activation = ActivationFunction.ReLU),
        new Variant("LeakyReLU (α = 0.2)", o => { o.Activation = ActivationFunction.LeakyReLU; o.ActivationAlpha = 0.2; }),
        new Variant("PReLU", o => o.Activation = ActivationFunction.PReLU),
        new Variant("ELU", o => o.Activation = ActivationFunction.ELU),
        new Variant("SELU (standardized inputs)", o => { o.Activation = ActivationFunction.SELU; o.WeightInitializer = WeightInitializer.LeCunNormal; }, Standardize: true),
        new Variant("GELU", o => o.Activation = ActivationFunction.GELU),
        new Variant("Swish", o => o.Activation = ActivationFunction.Swish));

    /// <summary>Without batch norm, with it before and after the activation (the notebook's two placements).</summary>
    public static ExperimentResult BatchNorm(ExperimentSettings settings) => Compare(settings, "Batch normalization", 10,
        new Variant("no batch norm", _ => { }),
        new Variant("BN after the activation, input BN", o => { o.InputBatchNormalization = true; o.BatchNormalization = BatchNormalizationPlacement.AfterActivation; }),
        new Variant("BN before the activation, input BN", o => { o.InputBatchNormalization = true; o.BatchNormalization = BatchNormalizationPlacement.BeforeActivation; }));

    /// <summary>SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, Nadam and AdamW at their usual rates.</summary>
    public static ExperimentResult Optimizers(ExperimentSettings settings) => Compare(settings, "Optimizers", 10,
        new Variant("SGD (0.01)", o => { o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 0.01; }),
        new Variant("Momentum 0.9 (0.01)", o => { o.Optimizer = OptimizerKind.Momentum; o.LearningRate = 0.01; }),
        new Variant("Nesterov 0.9 (0.01)", o => { o.Optimizer = OptimizerKind.Nesterov; o.LearningRate = 0.01; }),
        new Variant("AdaGrad (0.01)", o => { o.Optimizer = OptimizerKind.AdaGrad; o.LearningRate = 0.01; }),
        new Variant("RMSProp (0.001)", o => { o.Optimizer = OptimizerKind.RmsProp; o.LearningRate = 0.001; }),
        new Variant("Adam (0.001)", o => { o.Optimizer = OptimizerKind.Adam; o.LearningRate = 0.001; }),
        new Variant("Nadam (0.001)", o => { o.Optimizer = OptimizerKind.Nadam; o.LearningRate = 0.001; }),
        new Variant("AdamW (0.001, decay 1e-5)", o => { o.Optimizer = OptimizerKind.AdamW; o.LearningRate = 0.001; o.WeightDecay = 1e-5; }));

    /// <summary>Constant, exponential, piecewise, performance, 1cycle and cosine schedules, SGD at 0.01 as the notebook.</summary>
    public static ExperimentResult Schedules(ExperimentSettings settings)
    {
        int epochs = settings.EpochsOr(10);
        long steps = (settings.Data.Train.Count + 31) / 32;
        void Sgd(DeepNeuralNetworkOptions o)
        {
            o.Optimizer = OptimizerKind.Sgd;
            o.LearningRate = 0.01;
        }
        return Compare(settings, "Learning-rate schedules (SGD)", 10,
            new Variant("constant 0.01", Sgd),
            new Variant("exponential (÷10 every 20 epochs)", o => { Sgd(o); o.LearningRateSchedule = new ExponentialDecaySchedule(20 * steps); }),
            new Variant("piecewise (0.01, 0.005, 0.001)", o => { Sgd(o); o.LearningRateSchedule = new PiecewiseConstantSchedule(new long[] { Math.Max(1, epochs / 3), Math.Max(2, 2 * epochs / 3) }, new[] { 0.01, 0.005, 0.001 }); }),
            new Variant("performance (×0.5 after 5 flat epochs)", o => { Sgd(o); o.LearningRateSchedule = new ReduceOnPlateauSchedule(); }),
            new Variant("1cycle (max 0.1)", o => { Sgd(o); o.LearningRateSchedule = new OneCycleSchedule(epochs * steps) { MaximumLearningRate = 0.1 }; }),
            new Variant("cosine decay", o => { Sgd(o); o.LearningRateSchedule = new CosineDecaySchedule(epochs * steps); }));
    }

    /// <summary>L1, L2, dropout, alpha dropout with SELU, max-norm; MC dropout on the dropout model.</summary>
    public static ExperimentResult Regularization(ExperimentSettings settings)
    {
        var result = Compare(settings, "Regularization", 10,
            new Variant("none", _ => { }),
            new Variant("L2 (0.0001)", o => o.L2 = 1e-4),
            new Variant("L1 (0.00001)", o => o.L1 = 1e-5),
            new Variant("dropout 0.2", o => o.DropoutRate = 0.2),
            new Variant("alpha dropout 0.1, SELU (standardized)", o => { o.Activation = ActivationFunction.SELU; o.WeightInitializer = WeightInitializer.LeCunNormal; o.DropoutRate = 0.1; }, Standardize: true),
            new Variant("max-norm 1", o => o.MaxNorm = 1));

        // MC dropout (Gal & Ghahramani): the dropout model again, predicting with dropout on, 30 samples per image.
        var ml = ExperimentSettings.NewContext();
        var test = ImageData.Multiclass(settings.Data.Test);
        var options = BaseOptions(settings, ImageData.Multiclass(settings.Data.Validation), settings.EpochsOr(10));
        options.DropoutRate = 0.2;
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(ImageData.Multiclass(settings.Data.Train));
        var predictions = model.PredictWithMonteCarloDropout(test, samples: 30, seed: 1);
        var labels = settings.Data.Test.Labels;
        double accuracy = predictions.Select((p, i) => Array.IndexOf(p.Mean, p.Mean.Max()) == labels[i] ? 1.0 : 0.0).Average();
        result.Table.Add("MC dropout 0.2 (30 samples)", null, null, accuracy, null);
        result.Numbers["MC dropout/test accuracy"] = accuracy;
        var lines = predictions.Take(3).Select((p, i) =>
        {
            int top = Array.IndexOf(p.Mean, p.Mean.Max());
            return $"test image {i} ({MLNetDeep.Datasets.FashionMnist.ClassNames[labels[i]]}): MC mean {p.Mean[top]:F3} ± {p.StandardDeviation[top]:F3} for {MLNetDeep.Datasets.FashionMnist.ClassNames[top]}";
        });
        result.Notes.Add("MC dropout uncertainty of the first test images: " + string.Join("; ", lines) + ".");
        result.Write();
        return result;
    }

    /// <summary>The base network and loop of the comparisons (and of the callbacks experiment): see the class summary.</summary>
    public static DeepNeuralNetworkOptions BaseOptions(ExperimentSettings settings, IDataView validation, int epochs) => new()
    {
        HiddenLayers = settings.Quick ? new[] { 50 } : new[] { 300, 100 },
        Activation = ActivationFunction.ReLU,
        WeightInitializer = WeightInitializer.HeNormal,
        Optimizer = OptimizerKind.Adam,
        LearningRate = 1e-3,
        Epochs = epochs,
        BatchSize = 32,
        ValidationSet = validation,
        Seed = 42,
        NumberOfThreads = settings.Threads,
    };

    private static ExperimentResult Compare(ExperimentSettings settings, string title, int fullEpochs, params Variant[] variants)
    {
        int epochs = settings.EpochsOr(fullEpochs);
        var result = new ExperimentResult($"{title}: {epochs} epochs", settings.OutputDirectory,
            "variant", "validation accuracy (last epoch)", "best validation accuracy", "test accuracy", "seconds per epoch");
        var ml = ExperimentSettings.NewContext();
        var train = ImageData.Multiclass(settings.Data.Train);
        var validation = ImageData.Multiclass(settings.Data.Validation);
        var test = ImageData.Multiclass(settings.Data.Test);
        var standardized = ImageData.Standardized(ml, train, validation, test);
        var curves = new List<(string, IReadOnlyList<double>)>();
        var losses = new List<(string, IReadOnlyList<double>)>();
        foreach (var variant in variants)
        {
            var (t, v, s) = variant.Standardize ? standardized : (train, validation, test);
            var options = BaseOptions(settings, v, epochs);
            variant.Configure(options);
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(t);
            var history = model.History.Epochs;
            double last = history[^1].ValidationMetric ?? double.NaN, best = history.Max(e => e.ValidationMetric ?? double.NaN);
            double accuracy = ImageData.Accuracy(ml, model, s);
            result.Table.Add(variant.Name, last, best, accuracy, history.Average(e => e.Seconds).ToString("F1"));
            result.Numbers[$"{variant.Name}/validation accuracy"] = last;
            result.Numbers[$"{variant.Name}/test accuracy"] = accuracy;
            curves.Add((variant.Name, history.Select(e => e.ValidationMetric ?? double.NaN).ToList()));
            losses.Add((variant.Name, history.Select(e => e.TrainLoss).ToList()));
        }
        Curves.Save(result, "validation-accuracy.png", $"{title}: validation accuracy", "accuracy", curves);
        Curves.Save(result, "training-loss.png", $"{title}: training loss", "loss", losses);
        result.Notes.Add($"Base network: {(settings.Quick ? "784-50-10" : "784-300-100-10")}, ReLU with He init, Adam at 0.001, batch 32, seed 42, " +
            "pixels in [0, 1] unless the variant says standardized; the test accuracy is of the last epoch's weights.");
        return result;
    }
}
