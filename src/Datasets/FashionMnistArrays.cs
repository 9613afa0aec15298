namespace MLNetDeep.Datasets;

/// <summary>
/// Fashion-MNIST as byte arrays, split as in Géron's notebook: <see cref="Train"/> is the start of the training file,
/// <see cref="Validation"/> its last images, <see cref="Test"/> the test file. For benchmarks and custom loops; use
/// <see cref="ToDataViews"/> (or <see cref="FashionMnist.Load"/>) for ML.NET pipelines.
/// </summary>
public sealed class FashionMnistArrays
{
    /// <summary>Groups three already loaded sets.</summary>
    /// <param name="train">The training images.</param>
    /// <param name="validation">The validation images.</param>
    /// <param name="test">The test images.</param>
    /// <param name="dataDirectory">The folder the files were read from.</param>
    public FashionMnistArrays(LabeledImages train, LabeledImages validation, LabeledImages test, string dataDirectory)
    {
        Train = train ?? throw new ArgumentNullException(nameof(train));
        Validation = validation ?? throw new ArgumentNullException(nameof(validation));
        Test = test ?? throw new ArgumentNullException(nameof(test));
        DataDirectory = dataDirectory ?? throw new ArgumentNullException(nameof(dataDirectory));
    }

    /// <summary>Training images: the first 55,000 of the training file by default.</summary>
    public LabeledImages Train { get; }

    /// <summary>Validation images: the last 5,000 of the training file by default.</summary>
    public LabeledImages Validation { get; }

    /// <summary>Test images: all 10,000 of the test file by default.</summary>
    public LabeledImages Test { get; }

    /// <summary>The folder the files were read from.</summary>
    public string DataDirectory { get; }

    /// <summary>
    /// Wraps the three sets in data views with the <c>Features</c> and <c>Label</c> columns described by
    /// <see cref="LabeledImagesDataView"/>, with <see cref="FashionMnist.ClassNames"/> as label key values. The arrays
    /// are shared, not copied.
    /// </summary>
    /// <returns>One view per set.</returns>
    public FashionMnistDataViews ToDataViews() => new(
        new LabeledImagesDataView(Train, FashionMnist.ClassNames),
        new LabeledImagesDataView(Validation, FashionMnist.ClassNames),
        new LabeledImagesDataView(Test, FashionMnist.ClassNames));

    /// <summary>Splits the full training file into training and validation parts and applies the row caps.</summary>
    internal static FashionMnistArrays Split(LabeledImages fullTrain, LabeledImages fullTest, FashionMnistOptions options, string dataDirectory)
    {
        if (options.ValidationCount < 0 || options.ValidationCount >= fullTrain.Count)
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationCount,
                $"FashionMnistOptions.ValidationCount is {options.ValidationCount}; it must be at least 0 and below " +
                $"the {fullTrain.Count} images of the training file.");
        var trainCount = fullTrain.Count - options.ValidationCount;
        return new FashionMnistArrays(
            fullTrain.Slice(0, Cap(trainCount, options.MaxTrainRows, nameof(options.MaxTrainRows))),
            fullTrain.Slice(trainCount, Cap(options.ValidationCount, options.MaxValidationRows, nameof(options.MaxValidationRows))),
            fullTest.Slice(0, Cap(fullTest.Count, options.MaxTestRows, nameof(options.MaxTestRows))),
            dataDirectory);
    }

    private static int Cap(int available, int? max, string optionName)
    {
        if (max < 0)
            throw new ArgumentOutOfRangeException("options", max, $"FashionMnistOptions.{optionName} is {max}; it must be at least 0, or null for no cap.");
        return Math.Min(available, max ?? int.MaxValue);
    }
}
