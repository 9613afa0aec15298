using MLNetDeep.Pretrained.Backbones;

namespace MLNetDeep.Pretrained;

/// <summary>
/// A pretrained network that turns an image into a feature vector, for <c>ImageTransferLearning</c>: its input size, the
/// preprocessing it was trained with, the tensor its features are taken from, and where its weights come from.
/// </summary>
/// <example>
/// <code>
/// options.Backbone = ImageBackbone.ResNet18;                                   // the default
/// options.Backbone = ImageBackbone.FromOnnx("mobilenet.onnx", featureTensorName: "pool",
///     inputWidth: 224, inputHeight: 224, ImagePreprocessing.ScaleToMinusOneOne);
/// </code>
/// </example>
public sealed class ImageBackbone
{
    private ImageBackbone(BackboneSource source) => Source = source;

    /// <summary>
    /// ResNet18 with ImageNet weights, from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (which
    /// MLNetDeep.Pretrained references, so its files reach the application's output folder): 224 × 224 input, BGR
    /// minus the package's mean image, 512 features from the global average pool (<c>Pooling395_Output_0</c>).
    /// </summary>
    public static ImageBackbone ResNet18 { get; } = new(new ResNet18Backbone());

    /// <summary>
    /// A backbone from the user's own ONNX file. Its input must be one float tensor [N, 3, height, width] (the batch may be
    /// fixed at 1; it is made dynamic); the features are the tensor named <paramref name="featureTensorName"/>, of shape
    /// [N, F] or [N, F, 1, 1]. Tensors stored in external data are read from the file's folder, and only from there.
    /// </summary>
    /// <param name="modelPath">The <c>.onnx</c> file.</param>
    /// <param name="featureTensorName">The tensor the features are taken from: a graph output or any intermediate tensor.</param>
    /// <param name="inputWidth">The width the network takes, in pixels.</param>
    /// <param name="inputHeight">The height the network takes, in pixels.</param>
    /// <param name="preprocessing">How the network's pixels are normalised.</param>
    /// <param name="sha256">The file's expected SHA-256 (hex); default null, not checked. When given, a different file is refused.</param>
    /// <param name="inputTensorName">The graph input images go to; default null, the graph's only input.</param>
    /// <exception cref="ArgumentException">An argument is empty, not positive, or malformed.</exception>
    public static ImageBackbone FromOnnx(string modelPath, string featureTensorName, int inputWidth, int inputHeight,
        ImagePreprocessing preprocessing, string? sha256 = null, string? inputTensorName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(featureTensorName);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputHeight, 8);
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate(modelPath);
        if (sha256 is not null && (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit)))
            throw new ArgumentException($"sha256 must be 64 hexadecimal digits; got '{sha256}'.", nameof(sha256));
        return new(new OnnxFileBackbone(Path.GetFullPath(modelPath), featureTensorName, inputWidth, inputHeight, preprocessing, sha256?.ToLowerInvariant(), inputTensorName));
    }

    /// <summary>The backbone's name: "ResNet18", or the ONNX file's name.</summary>
    public string Name => Source.Name;

    /// <summary>The input width in pixels.</summary>
    public int InputWidth => Source.InputWidth;

    /// <summary>The input height in pixels.</summary>
    public int InputHeight => Source.InputHeight;

    /// <summary>How pixels are normalised before the network.</summary>
    public ImagePreprocessing Preprocessing => Source.Preprocessing;

    /// <summary>The tensor the features are taken from.</summary>
    public string FeatureTensorName => Source.FeatureTensorName;

    /// <summary>The expected SHA-256 of the weights file (lowercase hex), or null when it is not checked.</summary>
    public string? Sha256 => Source.Sha256;

    internal BackboneSource Source { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({InputWidth}x{InputHeight}, features '{FeatureTensorName}')";
}
