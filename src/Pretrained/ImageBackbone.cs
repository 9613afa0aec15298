using MLNetDeep.Pretrained.Backbones;

namespace MLNetDeep.Pretrained;

/// <summary>
/// A pretrained network that turns an image into a feature vector, for <c>ImageTransferLearning</c>: its input size, the
/// preprocessing it was trained with, the tensor its features are taken from, and where its weights come from.
/// </summary>
/// <example>
/// <code>
/// options.Backbone = ImageBackbone.ResNet18;                                   // the default
/// options.Backbone = ImageBackbone.ResNet50V2("resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5");
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
        return new(new OnnxFileBackbone(Path.GetFullPath(modelPath), featureTensorName, inputWidth, inputHeight, preprocessing, CheckedSha256(sha256), inputTensorName));
    }

    /// <summary>
    /// Keras' ResNet50V2 (<c>keras.applications.ResNet50V2</c>, ML.NET's <c>Architecture.ResnetV250</c>) with the weights in
    /// <paramref name="weightsPath"/>: 224 × 224 input, Keras "tf" preprocessing (RGB, pixel / 127.5 − 1,
    /// <see cref="ImagePreprocessing.ScaleToMinusOneOne"/>), 2,048 features from the global average pool (<c>avg_pool</c>).
    /// The network is this library's own TorchSharp module with Keras' layer names (<c>ResNet50V2Network</c>); the weights
    /// are read and checked when training starts, then the network is exported to the ONNX graph that is trained on and saved.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The file is read by its content where it tells, else by its extension: a Keras HDF5 weights file (<c>.h5</c>; Keras'
    /// ImageNet file is <c>resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5</c>, which
    /// <c>keras.applications.ResNet50V2(include_top=False)</c> downloads into <c>~/.keras/models</c>), an ONNX model of the
    /// Keras network (<c>.onnx</c>, as tf2onnx converts it), or a TorchSharp state dict (<c>ResNet50V2Weights.SaveTorchSharp</c>).
    /// Every layer's name and shape is checked; a file with Keras' published name must have Keras' published MD5; the file's
    /// SHA-256 is checked against <paramref name="sha256"/> when given, and keys the feature cache.
    /// </para>
    /// <para>See docs/keras-weights.md. A file with the 1000-class top is refused: give the "notop" weights.</para>
    /// </remarks>
    /// <param name="weightsPath">The weights file: Keras <c>.h5</c>, ONNX or TorchSharp.</param>
    /// <param name="sha256">The file's expected SHA-256 (hex); default null, not checked. When given, a different file is refused.</param>
    /// <exception cref="ArgumentException">The path is empty, or <paramref name="sha256"/> is not 64 hexadecimal digits.</exception>
    /// <example>
    /// <code>
    /// options.Backbone = ImageBackbone.ResNet50V2("resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5");
    /// </code>
    /// </example>
    public static ImageBackbone ResNet50V2(string weightsPath, string? sha256 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsPath);
        return new(new ResNet50V2Backbone(Path.GetFullPath(weightsPath), CheckedSha256(sha256)));
    }

    private static string? CheckedSha256(string? sha256) => sha256 is null || sha256.Length == 64 && sha256.All(Uri.IsHexDigit)
        ? sha256?.ToLowerInvariant()
        : throw new ArgumentException($"sha256 must be 64 hexadecimal digits; got '{sha256}'.", nameof(sha256));

    /// <summary>The backbone's name: "ResNet18", "ResNet50V2", or the ONNX file's name.</summary>
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
