using TorchSharp.Modules;
using static TorchSharp.torch.nn;
using MLNetDeep.Trainers.Onnx.Export.Exporters;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// The exporter for each supported module type. A new layer is supported by writing its <see cref="IModuleExporter"/> and
/// adding one line here.
/// </summary>
internal static class ModuleExporterRegistry
{
    // The constants torch's SELU uses (Klambauer et al. 2017), written out because ONNX's defaults are float32 roundings.
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    private static readonly Dictionary<Type, IModuleExporter> Exporters = new IModuleExporter[]
    {
        new LinearExporter(),
        new BatchNormExporter<BatchNorm1d>(1, 2),
        new SingleOperatorExporter<ReLU>("Relu"),
        new SingleOperatorExporter<LeakyReLU>("LeakyRelu", m => [OnnxAttributes.Float("alpha", m.negative_slope)]),
        new PReluExporter(),
        new SingleOperatorExporter<ELU>("Elu", m => [OnnxAttributes.Float("alpha", m.alpha)]),
        new SingleOperatorExporter<SELU>("Selu", _ => [OnnxAttributes.Float("alpha", SeluAlpha), OnnxAttributes.Float("gamma", SeluScale)]),
        new SingleOperatorExporter<CELU>("Celu", m => [OnnxAttributes.Float("alpha", m.alpha)]),
        new GeluExporter(),
        new SiluExporter(),
        new SingleOperatorExporter<Tanh>("Tanh"),
        new SingleOperatorExporter<Sigmoid>("Sigmoid"),
        new SoftmaxExporter<Softmax>("Softmax", m => m.dim),
        new SoftmaxExporter<LogSoftmax>("LogSoftmax", m => m.dim),
        new EvalIdentityExporter<Dropout>(),
        new EvalIdentityExporter<Dropout1d>(),
        new EvalIdentityExporter<Dropout2d>(),
        new EvalIdentityExporter<AlphaDropout>(),
        new EvalIdentityExporter<FeatureAlphaDropout>(),
        new EvalIdentityExporter<Identity>(),
        new FlattenExporter(),
        new Conv2dExporter(),
        new BatchNormExporter<BatchNorm2d>(3),
        new MaxPool2dExporter(),
        new AvgPool2dExporter(),
        new AdaptiveAvgPool2dExporter(),
        new ZeroPad2dExporter(),
        new ClipExporter<ReLU6>(_ => (0, 6)),
        new ResidualBlockExporter(),
    }.ToDictionary(exporter => exporter.ModuleType);

    /// <summary>The names of the module types that can be exported, Sequential (a container) included.</summary>
    private static IReadOnlyList<string> SupportedTypeNames { get; } =
        [nameof(Sequential), .. Exporters.Keys.Select(type => type.Name)];

    /// <summary>The exporter for <paramref name="module"/>, found at <paramref name="path"/>.</summary>
    /// <exception cref="NotSupportedException">No exporter handles the module's exact type.</exception>
    public static IModuleExporter For(string path, Module module) =>
        Exporters.TryGetValue(module.GetType(), out var exporter)
            ? exporter
            : throw ExportErrors.Unsupported(path, module, $"supported types are {string.Join(", ", SupportedTypeNames)}");
}
