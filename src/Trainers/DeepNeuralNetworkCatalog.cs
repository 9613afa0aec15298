using MLNetDeep.Trainers;
using MLNetDeep.Transforms.Hosting;

namespace Microsoft.ML;

/// <summary>
/// Catalog extensions that create MLNetDeep's deep neural network trainers, next to ML.NET's own
/// trainers (<c>mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(...)</c>, and likewise on
/// <c>BinaryClassification</c> and <c>Regression</c>).
/// </summary>
public static class DeepNeuralNetworkCatalog
{
    /// <summary>
    /// A multilayer perceptron for multiclass classification, trained with TorchSharp and served
    /// through ONNX. See <see cref="DeepNeuralNetworkOptions"/> for every option and its default.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="options">Architecture, regularization, optimizer, training and early-stopping options.</param>
    /// <example><code>
    /// var trainer = mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
    /// {
    ///     HiddenLayers = new[] { 300, 100 }, Epochs = 10, BatchSize = 32, Seed = 1,
    /// });
    /// </code></example>
    public static MulticlassDeepNeuralNetworkTrainer DeepNeuralNetwork(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        DeepNeuralNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MulticlassDeepNeuralNetworkTrainer(MLNetInternals.EnvironmentOf(catalog), options);
    }

    /// <summary>
    /// A multilayer perceptron for multiclass classification with default options apart from the
    /// columns, the hidden layers and the number of epochs.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="labelColumnName">The key label column. Default: "Label".</param>
    /// <param name="featureColumnName">The known-size float vector column. Default: "Features".</param>
    /// <param name="hiddenLayers">Hidden layer widths. Default: null, resolved as <see cref="DeepNeuralNetworkOptions.HiddenLayers"/> is ({ 100 } on small data, else { 300, 100 }).</param>
    /// <param name="epochs">Passes over the data. Default: null, resolved as <see cref="TrainingOptions.Epochs"/> is (200 with early stopping on small data, else 10).</param>
    public static MulticlassDeepNeuralNetworkTrainer DeepNeuralNetwork(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string featureColumnName = "Features",
        int[]? hiddenLayers = null,
        int? epochs = null)
    {
        return catalog.DeepNeuralNetwork(ShortOptions(labelColumnName, featureColumnName, hiddenLayers, epochs));
    }

    /// <summary>
    /// A multilayer perceptron for binary classification (Boolean label; outputs Score = logit,
    /// Probability = sigmoid(Score), PredictedLabel), trained with TorchSharp and served through ONNX.
    /// See <see cref="DeepNeuralNetworkOptions"/> for every option and its default.
    /// </summary>
    /// <param name="catalog">The binary classification trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="options">Architecture, regularization, optimizer, training, early-stopping and class-weight options.</param>
    /// <example><code>
    /// var trainer = mlContext.BinaryClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
    /// {
    ///     HiddenLayers = new[] { 64, 32 }, Epochs = 20, PositiveClassWeight = 4, Seed = 1,
    /// });
    /// </code></example>
    public static BinaryDeepNeuralNetworkTrainer DeepNeuralNetwork(
        this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        DeepNeuralNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new BinaryDeepNeuralNetworkTrainer(MLNetInternals.EnvironmentOf(catalog), options);
    }

    /// <summary>
    /// A multilayer perceptron for binary classification with default options apart from the
    /// columns, the hidden layers and the number of epochs.
    /// </summary>
    /// <param name="catalog">The binary classification trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="labelColumnName">The Boolean label column. Default: "Label".</param>
    /// <param name="featureColumnName">The known-size float vector column. Default: "Features".</param>
    /// <param name="hiddenLayers">Hidden layer widths. Default: null, resolved as <see cref="DeepNeuralNetworkOptions.HiddenLayers"/> is ({ 100 } on small data, else { 300, 100 }).</param>
    /// <param name="epochs">Passes over the data. Default: null, resolved as <see cref="TrainingOptions.Epochs"/> is (200 with early stopping on small data, else 10).</param>
    public static BinaryDeepNeuralNetworkTrainer DeepNeuralNetwork(
        this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label",
        string featureColumnName = "Features",
        int[]? hiddenLayers = null,
        int? epochs = null) =>
        catalog.DeepNeuralNetwork(ShortOptions(labelColumnName, featureColumnName, hiddenLayers, epochs));

    /// <summary>
    /// A multilayer perceptron for regression (Single label; outputs Score in label units), trained with
    /// TorchSharp and served through ONNX. See <see cref="DeepNeuralNetworkOptions"/> for every option and its default.
    /// </summary>
    /// <param name="catalog">The regression trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="options">Architecture, regularization, optimizer, training, early-stopping, loss and label-standardization options.</param>
    /// <example><code>
    /// var trainer = mlContext.Regression.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
    /// {
    ///     HiddenLayers = new[] { 64, 64 }, Epochs = 50, RegressionLoss = RegressionLoss.Huber, HuberDelta = 2, Seed = 1,
    /// });
    /// </code></example>
    public static RegressionDeepNeuralNetworkTrainer DeepNeuralNetwork(
        this RegressionCatalog.RegressionTrainers catalog,
        DeepNeuralNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RegressionDeepNeuralNetworkTrainer(MLNetInternals.EnvironmentOf(catalog), options);
    }

    /// <summary>
    /// A multilayer perceptron for regression with default options apart from the columns, the hidden
    /// layers and the number of epochs.
    /// </summary>
    /// <param name="catalog">The regression trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="labelColumnName">The Single (float) label column. Default: "Label".</param>
    /// <param name="featureColumnName">The known-size float vector column. Default: "Features".</param>
    /// <param name="hiddenLayers">Hidden layer widths. Default: null, resolved as <see cref="DeepNeuralNetworkOptions.HiddenLayers"/> is ({ 100 } on small data, else { 300, 100 }).</param>
    /// <param name="epochs">Passes over the data. Default: null, resolved as <see cref="TrainingOptions.Epochs"/> is (200 with early stopping on small data, else 10).</param>
    public static RegressionDeepNeuralNetworkTrainer DeepNeuralNetwork(
        this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label",
        string featureColumnName = "Features",
        int[]? hiddenLayers = null,
        int? epochs = null) =>
        catalog.DeepNeuralNetwork(ShortOptions(labelColumnName, featureColumnName, hiddenLayers, epochs));

    private static DeepNeuralNetworkOptions ShortOptions(string labelColumnName, string featureColumnName, int[]? hiddenLayers, int? epochs)
    {
        var options = new DeepNeuralNetworkOptions
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            Epochs = epochs,
        };
        if (hiddenLayers is not null)
            options.HiddenLayers = hiddenLayers;
        return options;
    }
}
