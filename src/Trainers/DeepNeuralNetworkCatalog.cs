using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Hosting;

namespace Microsoft.ML;

/// <summary>
/// Catalog extensions that create MLNetDeep's deep neural network trainers, next to ML.NET's own
/// trainers (<c>mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(...)</c>).
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
        return new MulticlassDeepNeuralNetworkTrainer(CatalogContext.FromCatalog(catalog), options);
    }

    /// <summary>
    /// A multilayer perceptron for multiclass classification with default options apart from the
    /// columns, the hidden layers and the number of epochs.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="labelColumnName">The key label column. Default: "Label".</param>
    /// <param name="featureColumnName">The known-size float vector column. Default: "Features".</param>
    /// <param name="hiddenLayers">Hidden layer widths. Default (null): { 300, 100 }.</param>
    /// <param name="epochs">Passes over the data. Default: 10.</param>
    public static MulticlassDeepNeuralNetworkTrainer DeepNeuralNetwork(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string featureColumnName = "Features",
        int[]? hiddenLayers = null,
        int epochs = 10)
    {
        var options = new DeepNeuralNetworkOptions
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            Epochs = epochs,
        };
        if (hiddenLayers is not null)
            options.HiddenLayers = hiddenLayers;
        return catalog.DeepNeuralNetwork(options);
    }
}
