using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Datasets;
using MLNetDeep.Trainers;

namespace Chapter11;

/// <summary>Fashion-MNIST views for the experiments: all ten classes, a subset of classes, or a binary task.</summary>
public static class ImageData
{
    /// <summary>The ten-class view (Features: 784 pixels in [0, 1], Label: a key with the class names).</summary>
    public static IDataView Multiclass(LabeledImages images) => new LabeledImagesDataView(images, FashionMnist.ClassNames);

    /// <summary>The images whose class <paramref name="keep"/> accepts, the first <paramref name="max"/> of them, relabelled 0..k-1 in the order of <paramref name="classes"/>.</summary>
    public static LabeledImages Classes(LabeledImages images, IReadOnlyList<int> classes, int? max = null)
    {
        var pixels = new List<byte>();
        var labels = new List<byte>();
        for (int i = 0; i < images.Count && (max is null || labels.Count < max); i++)
        {
            int index = IndexOf(classes, images.Labels[i]);
            if (index < 0)
                continue;
            pixels.AddRange(images.GetImage(i).ToArray());
            labels.Add((byte)index);
        }
        return new LabeledImages(pixels.ToArray(), labels.ToArray(), images.Height, images.Width);
    }

    /// <summary>A multiclass view of <paramref name="images"/> relabelled by <see cref="Classes"/>, with those classes' names.</summary>
    public static IDataView Multiclass(LabeledImages images, IReadOnlyList<int> classes) =>
        new LabeledImagesDataView(images, classes.Select(c => FashionMnist.ClassNames[c]).ToList());

    /// <summary>A binary view: Label is true for relabelled class 1 (the second of the two classes).</summary>
    public static IDataView Binary(MLContext ml, LabeledImages images)
    {
        var rows = Enumerable.Range(0, images.Count).Select(i =>
        {
            var features = new float[images.PixelsPerImage];
            images.CopyScaledImageTo(i, features);
            return new BinaryImage { Features = features, Label = images.Labels[i] == 1 };
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(BinaryImage));
        schema[nameof(BinaryImage.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, images.PixelsPerImage);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Standardizes every pixel with the training images' mean and standard deviation (the notebook's <c>(X - mean) / std</c>).</summary>
    public static (IDataView Train, IDataView Validation, IDataView Test) Standardized(MLContext ml, IDataView train, IDataView validation, IDataView test)
    {
        var normalizer = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(train);
        return (normalizer.Transform(train), normalizer.Transform(validation), normalizer.Transform(test));
    }

    /// <summary>ML.NET's test accuracy of a multiclass model.</summary>
    public static double Accuracy(MLContext ml, ITransformer model, IDataView test) =>
        ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;

    /// <summary>ML.NET's test accuracy of a binary model.</summary>
    public static double BinaryAccuracy(MLContext ml, ITransformer model, IDataView test) =>
        ml.BinaryClassification.Evaluate(model.Transform(test)).Accuracy;

    /// <summary>The validation accuracy of the last epoch trained.</summary>
    public static double LastValidationAccuracy(DeepNeuralNetworkTransformer model) => model.History.Epochs[^1].ValidationMetric ?? double.NaN;

    private static int IndexOf(IReadOnlyList<int> classes, byte label)
    {
        for (int i = 0; i < classes.Count; i++)
        {
            if (classes[i] == label)
                return i;
        }
        return -1;
    }

    /// <summary>A row of the binary view.</summary>
    public sealed class BinaryImage
    {
        /// <summary>The 784 pixels in [0, 1].</summary>
        public float[] Features { get; set; } = Array.Empty<float>();

        /// <summary>Whether the image is of the second class.</summary>
        public bool Label { get; set; }
    }
}
