using MLNetDeep.Transforms.Hosting;
using MLNetDeep.Pretrained;
using MLNetDeep.Trainers.Hosting;

namespace Microsoft.ML;

/// <summary>
/// The catalog extension that creates MLNetDeep's transfer-learning image classifier, next to ML.NET's own trainers:
/// <c>mlContext.MulticlassClassification.Trainers.ImageTransferLearning(...)</c>.
/// </summary>
public static class ImageTransferLearningCatalog
{
    /// <summary>
    /// An image classifier trained by transfer learning from a pretrained backbone (ResNet18 by default): a new head on the
    /// frozen backbone's features, then fine-tuning of the backbone's top. See <see cref="ImageTransferLearningOptions"/>.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="options">Columns, backbone, both phases' settings.</param>
    /// <example><code>
    /// var trainer = mlContext.MulticlassClassification.Trainers.ImageTransferLearning(new ImageTransferLearningOptions
    /// {
    ///     LabelColumnName = "Label", ImageColumnName = "Image", Seed = 1,
    /// });
    /// </code></example>
    public static ImageTransferLearningTrainer ImageTransferLearning(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ImageTransferLearningOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ImageTransferLearningTrainer(MLNetInternals.EnvironmentOf(catalog), options);
    }

    /// <summary>An image classifier with default options apart from the columns.</summary>
    /// <param name="catalog">The multiclass trainers catalog of an <see cref="MLContext"/>.</param>
    /// <param name="labelColumnName">The key label column. Default: "Label".</param>
    /// <param name="imageColumnName">The image column: encoded bytes (VarVector&lt;Byte&gt;) or paths (Text). Default: "Image".</param>
    public static ImageTransferLearningTrainer ImageTransferLearning(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string imageColumnName = "Image") =>
        catalog.ImageTransferLearning(new ImageTransferLearningOptions { LabelColumnName = labelColumnName, ImageColumnName = imageColumnName });
}
