using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Transforms.Onnx;
using Onnx;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>
/// ResNet18 from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, whose build logic copies
/// <c>DnnImageModels/</c> into the application's output folder. The package's own preprocessing graph (RGB to BGR, minus a
/// per-pixel mean image) is rebuilt from its mean image, so the exported model needs no second graph.
/// </summary>
internal sealed class ResNet18Backbone : BackboneSource
{
    /// <summary>The SHA-256 of ResNet18.onnx in the package (63,653,533 bytes).</summary>
    public const string ModelSha256 = "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f";

    /// <summary>The SHA-256 of ResNetPreprocess.onnx in the package (602,584 bytes).</summary>
    public const string PreprocessSha256 = "84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004";

    private ImagePreprocessing? _preprocessing;

    public override string Name => "ResNet18";

    public override int InputWidth => 224;

    public override int InputHeight => 224;

    public override string FeatureTensorName => "Pooling395_Output_0";

    public override string? Sha256 => ModelSha256;

    /// <summary>Read from the package on first use: the mean image is 600 KB.</summary>
    public override ImagePreprocessing Preprocessing => _preprocessing ??= new ImagePreprocessing
    {
        ChannelOrder = ChannelOrder.Bgr,
        MeanImage = ReadMeanImage(),
    };

    /// <summary>Where the package's build logic puts the files: beside the application.</summary>
    public static string ModelFolder => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    public static string ModelPath => Path.Combine(ModelFolder, "ResNet18Onnx", "ResNet18.onnx");

    public static string PreprocessPath => Path.Combine(ModelFolder, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    public override (ModelProto Graph, string WeightsKey) Load()
    {
        var hash = WeightsFile.Check(Located(ModelPath), ModelSha256, "ResNet18 backbone");
        return (OnnxModelReader.Read(ModelPath), hash);
    }

    private static float[] ReadMeanImage()
    {
        WeightsFile.Check(Located(PreprocessPath), PreprocessSha256, "ResNet18 preprocessing");
        var model = OnnxModelReader.Read(PreprocessPath);
        var mean = model.Graph.Initializer.SingleOrDefault(t => t.Name == "MeanImage")
            ?? throw new InvalidDataException($"'{PreprocessPath}' has no MeanImage initializer.");
        return mean.FloatData.Count > 0 ? mean.FloatData.ToArray() : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mean.RawData.Span).ToArray();
    }

    private static string Located(string path) => File.Exists(path)
        ? path
        : throw new InvalidDataException(
            $"The ResNet18 backbone file '{path}' was not found. It comes from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, " +
            "which MLNetDeep.Pretrained references and whose build logic copies DnnImageModels/ into the application's output folder; " +
            "rebuild the application, and if it references MLNetDeep.Pretrained with ExcludeAssets=\"build\", reference the package directly.");
}
