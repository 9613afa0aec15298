using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Tests.Support;

/// <summary>
/// The pretrained ONNX files of the Microsoft.ML.DnnImageFeaturizer.ResNet18 package (found through the package
/// folder that the build records) and flower images preprocessed for them. Parsed once per test run.
/// </summary>
internal static class PretrainedModels
{
    private static readonly Lazy<ModelProto> ResNet18Model = new(() => OnnxModelReader.Read(ResNet18Path));
    private static readonly Lazy<ModelProto> PreprocessModel = new(() => OnnxModelReader.Read(PreprocessPath));
    private static readonly Lazy<InferenceSession> ResNet18SessionValue = new(() => OrtRunner.Session(ResNet18));
    private static readonly Lazy<float[]> FourPreprocessedFlowers = new(() => Preprocessed(4));

    /// <summary>ResNet18.onnx: input <c>Input247</c> [1,3,224,224], output <c>Pooling395_Output_0</c> [1,512,1,1].</summary>
    public static string ResNet18Path => Path.Combine(PackageFolder, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>ResNetPreprocess.onnx: RGB 0..255 <c>OriginalInput</c> to mean-subtracted BGR <c>PreprocessedInput</c>.</summary>
    public static string PreprocessPath => Path.Combine(PackageFolder, "tools", "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    public const string ResNet18Input = "Input247";
    public const string ResNet18Output = "Pooling395_Output_0";

    /// <summary>A shared parsed copy: clone it before changing it.</summary>
    public static ModelProto ResNet18 => ResNet18Model.Value;

    /// <summary>A shared parsed copy: clone it before changing it.</summary>
    public static ModelProto Preprocess => PreprocessModel.Value;

    /// <summary>One ONNX Runtime session on the original ResNet18 for the whole test run (sessions on it take seconds to create).</summary>
    public static InferenceSession ResNet18Session => ResNet18SessionValue.Value;

    /// <summary>The first <paramref name="count"/> flower JPEGs, taken across the classes in a fixed order.</summary>
    public static string[] FlowerImages(int count)
    {
        var classes = Directory.GetDirectories(SharedData.FlowersSmall).Order(StringComparer.Ordinal).ToArray();
        var perClass = classes.Select(c => Directory.GetFiles(c, "*.jpg").Order(StringComparer.Ordinal).ToArray()).ToArray();
        return Enumerable.Range(0, count).Select(i => perClass[i % classes.Length][i / classes.Length]).ToArray();
    }

    /// <summary>The class folder name of each image in <see cref="FlowerImages"/>' order.</summary>
    public static int[] FlowerLabels(int count) => Enumerable.Range(0, count).Select(i => i % Directory.GetDirectories(SharedData.FlowersSmall).Length).ToArray();

    /// <summary>
    /// Images as the package's featurizer sees them: decoded, resized to 224×224, RGB 0..255, then run one by one
    /// through ResNetPreprocess.onnx in ONNX Runtime. Returns N×3×224×224 floats.
    /// </summary>
    public static float[] PreprocessedFlowers(int count) =>
        count <= 4 ? FourPreprocessedFlowers.Value[..(count * 3 * 224 * 224)] : Preprocessed(count);

    private static float[] Preprocessed(int count)
    {
        var paths = FlowerImages(count);
        var raw = ImageTensorLoader.LoadBatch(paths);
        var size = 3 * 224 * 224;
        var result = new float[raw.Length];
        using var session = OrtRunner.Session(Preprocess);
        for (var i = 0; i < count; i++)
        {
            var one = OrtRunner.Run(session, raw.AsSpan(i * size, size).ToArray(), [1, 3, 224, 224]);
            one.CopyTo(result, i * size);
        }
        return result;
    }

    private static string PackageFolder
    {
        get
        {
            var folder = typeof(PretrainedModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "PkgMicrosoft_ML_DnnImageFeaturizer_ResNet18")?.Value;
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
                throw new DirectoryNotFoundException(
                    $"The Microsoft.ML.DnnImageFeaturizer.ResNet18 package folder was not recorded or is missing ('{folder}'); restore the test project.");
            return folder;
        }
    }
}
