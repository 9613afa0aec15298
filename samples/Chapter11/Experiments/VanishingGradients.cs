using Microsoft.ML;
using MLNetDeep.Trainers;

namespace Chapter11.Experiments;

/// <summary>
/// Deep nets and vanishing gradients: sigmoid with Glorot init (Keras' default), ReLU with He init, SELU with LeCun
/// normal, 100 hidden layers of 100 units on standardized inputs, plain SGD at 0.001 for 5 epochs, as the notebook's
/// SELU section (<c>SGD(learning_rate=0.001)</c>, no momentum). Géron reports validation accuracy 0.8046 (SELU) and
/// 0.7054 (ReLU/He) after 5 epochs. <c>--momentum 0.9</c> reruns them with momentum, which both deep nets train erratically with.
/// </summary>
public static class VanishingGradients
{
    /// <summary>Runs the three networks and writes the table and one gradient-norm plot per network.</summary>
    public static ExperimentResult Run(ExperimentSettings settings)
    {
        int depth = settings.Quick ? 10 : 100;
        int epochs = settings.EpochsOr(5);
        double momentum = settings.Momentum ?? 0;
        string optimizer = momentum > 0 ? $"SGD with momentum {momentum:G3}" : "plain SGD";
        var result = new ExperimentResult($"Vanishing gradients: {depth} hidden layers of 100 units, {epochs} epochs, {optimizer}", settings.OutputDirectory,
            "network", "validation accuracy", "training loss", "grad norm, first hidden layer", "grad norm, last hidden layer", "seconds", "Géron (val. acc.)");
        var ml = ExperimentSettings.NewContext();
        var (train, validation, _) = ImageData.Standardized(ml, ImageData.Multiclass(settings.Data.Train),
            ImageData.Multiclass(settings.Data.Validation), ImageData.Multiclass(settings.Data.Test));
        // The book's figures are for its optimizer, plain SGD; with momentum there is nothing to compare with.
        bool book = momentum == 0;
        var runs = new (string Name, ActivationFunction Activation, WeightInitializer Init, string Book)[]
        {
            ("sigmoid, Glorot uniform", ActivationFunction.Sigmoid, WeightInitializer.GlorotUniform, "–"),
            ("ReLU, He normal", ActivationFunction.ReLU, WeightInitializer.HeNormal, book ? "0.7054" : "–"),
            ("SELU, LeCun normal", ActivationFunction.SELU, WeightInitializer.LeCunNormal, book ? "0.8046" : "–"),
        };
        var curves = new List<(string, IReadOnlyList<double>)>();
        foreach (var run in runs)
        {
            var options = new DeepNeuralNetworkOptions
            {
                HiddenLayers = Enumerable.Repeat(100, depth).ToArray(),
                Activation = run.Activation,
                WeightInitializer = run.Init,
                Optimizer = momentum > 0 ? OptimizerKind.Momentum : OptimizerKind.Sgd,
                LearningRate = 0.001,
                Epochs = epochs,
                BatchSize = 32,
                ValidationSet = validation,
                RecordGradientNorms = true,
                Seed = settings.Seed ?? 42,
                NumberOfThreads = settings.Threads,
            };
            if (momentum > 0)
                options.Momentum = momentum;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(train);
            double seconds = clock.Elapsed.TotalSeconds;
            var norms = model.GradientNorms[^1].MeanNormByLayer;
            double first = norms["hidden1.linear"], last = norms[$"hidden{depth}.linear"];
            double accuracy = ImageData.LastValidationAccuracy(model);
            result.Table.Add(run.Name, accuracy, model.History.Epochs[^1].TrainLoss, first.ToString("G3"), last.ToString("G3"), seconds.ToString("F0"), run.Book);
            string key = run.Activation.ToString();
            result.Numbers[$"{key}/validation accuracy"] = accuracy;
            result.Numbers[$"{key}/first layer gradient norm"] = first;
            result.Numbers[$"{key}/last layer gradient norm"] = last;
            string plot = $"gradient-norms-{key.ToLowerInvariant()}.png";
            model.SaveGradientNorms(result.PathOf(plot));
            result.Plots.Add(plot);
            curves.Add((run.Name, model.History.Epochs.Select(e => e.ValidationMetric ?? double.NaN).ToList()));
        }
        Curves.Save(result, "validation-accuracy.png", "validation accuracy", "accuracy", curves);
        result.Notes.Add($"Inputs standardized per pixel with the training images' mean and standard deviation; {optimizer}, learning rate 0.001, batch 32, seed {settings.Seed ?? 42}. " +
            "Gradient norms are the last epoch's mean L2 norm of each dense layer's weight gradient.");
        return result;
    }
}
