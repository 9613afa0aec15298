using Microsoft.ML;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Schedules;

namespace Chapter11.Experiments;

/// <summary>
/// Reusing a trained network's layers, as the book's first run did it (second edition): model A learns the 8 classes
/// other than sandal (5) and shirt (6); model B learns sandal vs shirt from 200 images, from scratch; model B-on-A
/// starts from A's five hidden layers, frozen for 4 epochs, then trains them for 16 more at a tenth of the rate (and, as a
/// third row, at the same rate). Every
/// model is the notebook's: hidden layers of 300, 100, 50, 50 and 50 SELU units with Keras' default Glorot uniform
/// init, SGD at 0.001, batch 32, pixels in [0, 1].
/// B and B-on-A run over several seeds (A is trained once), since Géron notes his gain was helped by trying seeds.
/// </summary>
public static class ReuseLayers
{
    private static readonly int[] TaskB = { 5, 6 };
    private static readonly int[] TaskA = { 0, 1, 2, 3, 4, 7, 8, 9 };
    private static readonly int[] Hidden = { 300, 100, 50, 50, 50 };

    /// <summary>Trains A, then B and B-on-A per seed; writes the table and the validation curves of the first seed.</summary>
    public static ExperimentResult Run(ExperimentSettings settings)
    {
        int epochsA = settings.EpochsOr(20, quick: 2);
        int frozen = settings.Quick ? 1 : 4, unfrozen = settings.Quick ? 1 : 16;
        int seeds = settings.Seeds ?? (settings.Quick ? 2 : 5);
        var result = new ExperimentResult("Reusing a trained network's layers (model B on A)", settings.OutputDirectory,
            "model", "test accuracy, mean", "± std", "min", "max", "seeds", "Géron (2nd ed.)");
        var ml = ExperimentSettings.NewContext();
        var data = settings.Data;
        var trainA = ImageData.Multiclass(ImageData.Classes(data.Train, TaskA), TaskA);
        var validationA = ImageData.Multiclass(ImageData.Classes(data.Validation, TaskA), TaskA);
        var trainB = ImageData.Binary(ml, ImageData.Classes(data.Train, TaskB, max: 200));
        var validationB = ImageData.Binary(ml, ImageData.Classes(data.Validation, TaskB));
        var testB = ImageData.Binary(ml, ImageData.Classes(data.Test, TaskB));

        var optionsA = Options(epochsA, seed: 42, settings.Threads);
        optionsA.ValidationSet = validationA;
        using var modelA = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(optionsA).Fit(trainA);
        double accuracyA = ImageData.LastValidationAccuracy(modelA);
        result.Numbers["A/validation accuracy"] = accuracyA;

        var scratch = new List<double>();
        var reused = new List<double>();
        var reusedSameRate = new List<double>();
        var curves = new List<(string, IReadOnlyList<double>)>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var optionsB = Options(frozen + unfrozen, seed, settings.Threads);
            optionsB.ValidationSet = validationB;
            using var modelB = ml.BinaryClassification.Trainers.DeepNeuralNetwork(optionsB).Fit(trainB);
            scratch.Add(ImageData.BinaryAccuracy(ml, modelB, testB));

            var optionsBOnA = Options(frozen + unfrozen, seed, settings.Threads);
            optionsBOnA.ValidationSet = validationB;
            optionsBOnA.ReusedLayers = new ReusedLayers(modelA, hiddenLayerCount: Hidden.Length) { FrozenEpochs = frozen };
            // Keras recompiles the whole model with a lower rate once the layers are unfrozen.
            optionsBOnA.LearningRateSchedule = new PiecewiseConstantSchedule(new long[] { frozen }, new[] { 1e-3, 1e-4 });
            using var modelBOnA = ml.BinaryClassification.Trainers.DeepNeuralNetwork(optionsBOnA).Fit(trainB);
            reused.Add(ImageData.BinaryAccuracy(ml, modelBOnA, testB));

            // The same without the lower rate after unfreezing (the third edition's notebook keeps 0.001).
            optionsBOnA.LearningRateSchedule = null;
            using var modelBOnASameRate = ml.BinaryClassification.Trainers.DeepNeuralNetwork(optionsBOnA).Fit(trainB);
            reusedSameRate.Add(ImageData.BinaryAccuracy(ml, modelBOnASameRate, testB));
            if (seed == 1)
            {
                curves.Add(("B (from scratch)", modelB.History.Epochs.Select(e => e.ValidationMetric ?? double.NaN).ToList()));
                curves.Add(("B on A", modelBOnA.History.Epochs.Select(e => e.ValidationMetric ?? double.NaN).ToList()));
            }
        }
        Add(result, "B: from scratch, 200 images", scratch, "0.9705");
        Add(result, $"B on A: A's {Hidden.Length} hidden layers, frozen {frozen} epochs", reused, "0.9925");
        Add(result, $"B on A: the same, 0.001 after unfreezing too", reusedSameRate, "–");
        result.Numbers["B/test accuracy mean"] = scratch.Average();
        result.Numbers["B on A/test accuracy mean"] = reused.Average();
        Curves.Save(result, "validation-accuracy.png", "sandal vs shirt, validation accuracy (seed 1)", "accuracy", curves);
        result.Notes.Add($"Model A (8 classes, {data.Train.Count} training images before the class filter): validation accuracy {accuracyA:F4} after {epochsA} epochs. " +
            $"Every model: hidden layers of {string.Join(", ", Hidden)} SELU units (Glorot uniform init, as Keras' default), SGD at 0.001, batch 32, pixels in [0, 1]. B on A: {frozen} epochs frozen at 0.001, then {unfrozen} at 0.0001 " +
            $"(PiecewiseConstantSchedule). Test set: the {TaskB.Length} classes' test images. Reuse changes the mean test accuracy by {100 * (reused.Average() - scratch.Average()):+0.00;-0.00} points with the lower rate after unfreezing, " +
            $"{100 * (reusedSameRate.Average() - scratch.Average()):+0.00;-0.00} points without it.");
        return result;
    }

    private static DeepNeuralNetworkOptions Options(int epochs, int seed, int? threads) => new()
    {
        HiddenLayers = Hidden,
        Activation = ActivationFunction.SELU,
        WeightInitializer = WeightInitializer.GlorotUniform,
        Optimizer = OptimizerKind.Sgd,
        LearningRate = 1e-3,
        Epochs = epochs,
        BatchSize = 32,
        Seed = seed,
        NumberOfThreads = threads,
    };

    private static void Add(ExperimentResult result, string name, List<double> accuracies, string book)
    {
        double mean = accuracies.Average();
        double std = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / Math.Max(1, accuracies.Count - 1));
        result.Table.Add(name, mean, std, accuracies.Min(), accuracies.Max(), accuracies.Count, book);
        for (int i = 0; i < accuracies.Count; i++)
            result.Numbers[$"{name}/seed {i + 1} test accuracy"] = accuracies[i];
    }
}
