using Microsoft.ML;
using MLNetDeep.Trainers;

namespace Chapter11.Experiments;

/// <summary>
/// Deep nets and vanishing gradients: sigmoid with Glorot init (Keras' default), ReLU with He init, SELU with LeCun
/// normal, 100 hidden layers of 100 units on standardized inputs, SGD with momentum 0.9 at 0.001 for 5 epochs, as the
/// notebook's SELU section. Géron reports validation accuracy 0.8046 (SELU) and 0.7054 (ReLU/He) after 5 epochs.
/// </summary>
public static class VanishingGradients
{
    /// <summary>Runs the three networks and writes the table and one gradient-norm plot per network.</summary>
    public static ExperimentResult Run(ExperimentSettings settings)
    {
        int depth = settings.Quick ? 10 : 100;
        int epochs = settings.EpochsOr(5);
        var result = new ExperimentResult($"Vanishing gradients: {depth} hidden layers of 100 units, {epochs} epochs", settings.OutputDirectory,
            "network", "validation accuracy", "training loss", "grad norm, first hidden layer", "grad norm, last hidden layer", "seconds", "Géron (val. acc.)");
        var ml = ExperimentSettings.NewContext();
        var rawTrain = ImageData.Multiclass(settings.Data.Train);
        var rawValidation = ImageData.Multiclass(settings.Data.Validation);
        var (train, validation, _) = ImageData.Standardized(ml, rawTrain, rawValidation, ImageData.Multiclass(settings.Data.Test));
        var runs = new (string Name, ActivationFunction Activation, WeightInitializer Init, string Book, bool Standardized)[]
        {
            ("sigmoid, Glorot uniform", ActivationFunction.Sigmoid, WeightInitializer.GlorotUniform, "–", true),
            ("ReLU, He normal", ActivationFunction.ReLU, WeightInitializer.HeNormal, "0.7054", true),
            ("SELU, LeCun normal", ActivationFunction.SELU, WeightInitializer.LeCunNormal, "0.8046", true),
            // A check on the standardization: per-pixel scaling turns rare non-zero border pixels into values of 50-150.
            ("SELU, LeCun normal, pixels in [0, 1]", ActivationFunction.SELU, WeightInitializer.LeCunNormal, "–", false),
        };
        var curves = new List<(string, IReadOnlyList<double>)>();
        foreach (var run in runs)
        {
            var options = new DeepNeuralNetworkOptions
            {
                HiddenLayers = Enumerable.Repeat(100, depth).ToArray(),
                Activation = run.Activation,
                WeightInitializer = run.Init,
                Optimizer = OptimizerKind.Momentum,
                LearningRate = 0.001,
                Momentum = 0.9,
                Epochs = epochs,
                BatchSize = 32,
                ValidationSet = run.Standardized ? validation : rawValidation,
                RecordGradientNorms = true,
                Seed = 42,
                NumberOfThreads = settings.Threads,
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(run.Standardized ? train : rawTrain);
            double seconds = clock.Elapsed.TotalSeconds;
            var norms = model.GradientNorms[^1].MeanNormByLayer;
            double first = norms["hidden1.linear"], last = norms[$"hidden{depth}.linear"];
            double accuracy = ImageData.LastValidationAccuracy(model);
            result.Table.Add(run.Name, accuracy, model.History.Epochs[^1].TrainLoss, first.ToString("G3"), last.ToString("G3"), seconds.ToString("F0"), run.Book);
            string key = run.Activation + (run.Standardized ? "" : " raw");
            result.Numbers[$"{key}/validation accuracy"] = accuracy;
            result.Numbers[$"{key}/first layer gradient norm"] = first;
            result.Numbers[$"{key}/last layer gradient norm"] = last;
            string plot = $"gradient-norms-{key.ToLowerInvariant().Replace(' ', '-')}.png";
            model.SaveGradientNorms(result.PathOf(plot));
            result.Plots.Add(plot);
            curves.Add((run.Name, model.History.Epochs.Select(e => e.ValidationMetric ?? double.NaN).ToList()));
        }
        Curves.Save(result, "validation-accuracy.png", "validation accuracy", "accuracy", curves);
        result.Notes.Add("Inputs standardized per pixel with the training images' mean and standard deviation (but in the last row); SGD with momentum 0.9, learning rate 0.001, batch 32, seed 42. " +
            "Gradient norms are the last epoch's mean L2 norm of each dense layer's weight gradient.");
        return result;
    }
}
