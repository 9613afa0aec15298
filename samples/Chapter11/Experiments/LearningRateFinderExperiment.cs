using Microsoft.ML;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Schedules;

namespace Chapter11.Experiments;

/// <summary>
/// The learning-rate finder on the FashionMnist sample's network (784-300-100-10, input batch norm, batch norm before
/// ReLU, dropout 0.2, Adam, batch 32): sweep, plot, then train with the suggested rate held constant and compare with the
/// sample's own recipe (Adam 0.001 with a cosine decay over the run), and with the suggestion as the cosine's peak, all
/// with its early stopping on validation accuracy; and the older rule, a tenth of the minimum-loss rate, as a constant rate.
/// <c>--rates</c> adds constant rates of the user's choosing, to see how far the best constant rate is from the sample.
/// </summary>
public static class LearningRateFinderExperiment
{
    /// <summary>Runs the sweep and both trainings; writes the table and the loss-vs-rate plot.</summary>
    public static ExperimentResult Run(ExperimentSettings settings)
    {
        int epochs = settings.EpochsOr(15, quick: 2);
        var result = new ExperimentResult("Learning-rate finder on the FashionMnist sample's network", settings.OutputDirectory,
            "run", "learning rate", "test accuracy", "best epoch", "seconds");
        var ml = ExperimentSettings.NewContext();
        var train = ImageData.Multiclass(settings.Data.Train);
        var validation = ImageData.Multiclass(settings.Data.Validation);
        var test = ImageData.Multiclass(settings.Data.Test);
        long stepsPerEpoch = (settings.Data.Train.Count + 31) / 32;

        int seed = settings.Seed ?? 42;
        var options = SampleOptions(validation, epochs, settings.Threads, seed);
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var curve = trainer.FindLearningRate(train, new LearningRateFinderOptions { Steps = settings.Quick ? 60 : 300 });
        double sweepSeconds = clock.Elapsed.TotalSeconds;
        curve.SavePlot(result.PathOf("lr-finder.png"));
        result.Plots.Add("lr-finder.png");
        double tenthOfMinimum = curve.MinimumLossLearningRate / 10;
        result.Table.Add($"sweep ({curve.LearningRates.Count} steps, {curve.End})", $"suggested (valley) {curve.SuggestedLearningRate:G3} (steepest {curve.SteepestDescentLearningRate:G3}, minimum / 10 {tenthOfMinimum:G3})", null, null, sweepSeconds.ToString("F0"));

        // The sample's recipe.
        options.LearningRateSchedule = new CosineDecaySchedule(epochs * stepsPerEpoch);
        var (sampleAccuracy, sampleBest, sampleSeconds) = Train(ml, options, train, test);
        result.Table.Add("sample: Adam 0.001, cosine decay", "0.001 → 0", sampleAccuracy, sampleBest, sampleSeconds.ToString("F0"));

        // The finder's suggestion as a constant rate.
        options.LearningRateSchedule = null;
        options.LearningRate = curve.SuggestedLearningRate;
        var (constantAccuracy, constantBest, constantSeconds) = Train(ml, options, train, test);
        result.Table.Add("finder's suggestion, constant", curve.SuggestedLearningRate.ToString("G3"), constantAccuracy, constantBest, constantSeconds.ToString("F0"));

        // The older rule, a tenth of the minimum-loss rate, as a constant rate.
        options.LearningRate = tenthOfMinimum;
        var (tenthAccuracy, tenthBest, tenthSeconds) = Train(ml, options, train, test);
        result.Table.Add("minimum / 10 rule, constant", tenthOfMinimum.ToString("G3"), tenthAccuracy, tenthBest, tenthSeconds.ToString("F0"));
        result.Numbers["minimum over 10 constant/test accuracy"] = tenthAccuracy;

        // The suggestion as the peak of the sample's own schedule.
        options.LearningRate = curve.SuggestedLearningRate;
        options.LearningRateSchedule = new CosineDecaySchedule(epochs * stepsPerEpoch);
        var (peakAccuracy, peakBest, peakSeconds) = Train(ml, options, train, test);
        result.Table.Add("finder's suggestion, cosine decay", $"{curve.SuggestedLearningRate:G3} → 0", peakAccuracy, peakBest, peakSeconds.ToString("F0"));
        result.Numbers["suggested cosine/test accuracy"] = peakAccuracy;

        // Rates asked for on the command line, each held constant.
        options.LearningRateSchedule = null;
        foreach (double rate in settings.ConstantRates)
        {
            options.LearningRate = rate;
            var (accuracy, best, seconds) = Train(ml, options, train, test);
            result.Table.Add("constant (--rates)", rate.ToString("G3"), accuracy, best, seconds.ToString("F0"));
            result.Numbers[$"constant {rate:R}/test accuracy"] = accuracy;
            result.Notes.Add($"Constant {rate:G3}: {100 * (accuracy - sampleAccuracy):+0.00;-0.00} points from the sample.");
        }

        result.Numbers["sweep/suggested learning rate"] = curve.SuggestedLearningRate;
        result.Numbers["sweep/steepest learning rate"] = curve.SteepestDescentLearningRate;
        result.Numbers["sweep/minimum over 10 learning rate"] = tenthOfMinimum;
        result.Numbers["sweep/minimum smoothed loss"] = curve.SmoothedLosses.Min();
        result.Numbers["sample/test accuracy"] = sampleAccuracy;
        result.Numbers["suggested constant/test accuracy"] = constantAccuracy;
        result.Notes.Add($"Difference from the sample: {100 * (constantAccuracy - sampleAccuracy):+0.00;-0.00} points of test accuracy for the suggestion held constant, " +
            $"{100 * (tenthAccuracy - sampleAccuracy):+0.00;-0.00} for a tenth of the minimum-loss rate held constant, " +
            $"{100 * (peakAccuracy - sampleAccuracy):+0.00;-0.00} for the suggestion as the cosine's peak. " +
            $"Sweep: {curve.LearningRates[0]:G2} to {curve.LearningRates[^1]:G3} over {curve.LearningRates.Count} steps of batch 32, fastai's smoothing (β = 0.98) and 4× stop; " +
            "the suggestion is fastai's valley rule. Every training: up to " +
            $"{epochs} epochs, early stopping on validation accuracy (patience 4, best epoch restored), seed {seed}.");
        return result;
    }

    /// <summary>The FashionMnist sample's options (samples/FashionMnist/Program.cs), without its schedule; the sample's seed is 42.</summary>
    public static DeepNeuralNetworkOptions SampleOptions(Microsoft.ML.IDataView validation, int epochs, int? threads, int seed) => new()
    {
        HiddenLayers = new[] { 300, 100 },
        Activation = ActivationFunction.ReLU,
        WeightInitializer = WeightInitializer.HeNormal,
        InputBatchNormalization = true,
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        DropoutRate = 0.2,
        Optimizer = OptimizerKind.Adam,
        LearningRate = 1e-3,
        Epochs = epochs,
        BatchSize = 32,
        ValidationSet = validation,
        EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationAccuracy, Patience = 4 },
        Seed = seed,
        NumberOfThreads = threads,
    };

    private static (double Accuracy, int BestEpoch, double Seconds) Train(Microsoft.ML.MLContext ml, DeepNeuralNetworkOptions options,
        Microsoft.ML.IDataView train, Microsoft.ML.IDataView test)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(train);
        return (ImageData.Accuracy(ml, model, test), model.History.BestEpoch, clock.Elapsed.TotalSeconds);
    }
}
