using Microsoft.ML;

namespace MLNetDeep.Datasets;

/// <summary>
/// The three Fashion-MNIST sets as ML.NET data views, each with a <c>Features</c> column (784 floats in [0, 1]) and a
/// <c>Label</c> key column whose key values are <see cref="FashionMnist.ClassNames"/>.
/// </summary>
/// <param name="Train">Training rows: the first 55,000 images of the training file by default.</param>
/// <param name="Validation">Validation rows: the last 5,000 images of the training file by default.</param>
/// <param name="Test">Test rows: the 10,000 images of the test file by default.</param>
public sealed record FashionMnistDataViews(IDataView Train, IDataView Validation, IDataView Test);
