using System.Reflection;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using MLNetDeep.Trainers.Modules;
using MLNetDeep.Trainers.Onnx.Export.Folding;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Writes a TorchSharp network as an ONNX model that ONNX Runtime (and so ML.NET's OnnxTransformer) can serve without TorchSharp.
/// </summary>
/// <remarks>
/// <para>
/// The network is a <see cref="TorchSharp.Modules.Sequential"/> (nested ones are expanded, children in order) or a single
/// supported layer. The graph computes the network in eval mode whatever its current mode: dropout is the identity and batch
/// norms use their running statistics. The input is float32 [N, inputShape...] and the output float32 [N, ...], N being a
/// symbolic batch dimension, so any batch size runs. Weights become initializers named after the module path ("0.weight"),
/// and nodes after the module ("0", or "3.Erf_1" where a module becomes several nodes).
/// </para>
/// <para>
/// Skip connections are written with <see cref="Modules.ResidualBlock"/>, activation(main(x) + shortcut(x)): each branch is
/// exported like a network (paths "2.main.0", "2.shortcut.0"), then an Add node named after the block, then the activation.
/// </para>
/// <para>
/// With <see cref="OnnxExportOptions.FoldBatchNorm"/> (the default), batch norms are folded into a neighbouring layer when
/// only dropout or Identity modules stand between them, within one chain (never across a residual sum): a BatchNorm1d on
/// [N, C] into the Linear directly before it, failing that into the Linear directly after it; a BatchNorm2d into the Conv2d
/// directly before it. The others become BatchNormalization nodes. The network is only read, never changed.
/// </para>
/// <para>
/// Supported modules: Linear, BatchNorm1d, ReLU, LeakyReLU, PReLU, ELU, SELU, CELU, GELU (exact and tanh), SiLU, Tanh, Sigmoid,
/// Softmax, LogSoftmax, Flatten, Identity and the dropouts (Dropout, Dropout1d, Dropout2d, AlphaDropout, FeatureAlphaDropout);
/// for images [N, C, H, W]: Conv2d (zero padding only, "same" and "valid" included), BatchNorm2d, MaxPool2d, AvgPool2d (without
/// divisor_override), AdaptiveAvgPool2d (1x1, or sizes whose windows come out even), ZeroPad2d and ReLU6; and
/// <see cref="Modules.ResidualBlock"/>. ceil_mode pooling is written as extra end padding, so the graph does not depend on how
/// a runtime reads ceil_mode.
/// </para>
/// <para>
/// For images, pass inputShape [C, H, W]. ML.NET's OnnxTransformer feeds such a graph from a float vector column of C·H·W
/// values per row, laid out channel by channel then row by row as torch flattens them: it reads N as 1 and reshapes the vector
/// to [1, C, H, W] itself, so no reshape needs exporting.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var network = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10), torch.nn.Softmax(1));
/// using var file = File.Create("model.onnx");
/// TorchSharpOnnxExporter.Export(network, [784], file);
/// </code>
/// </example>
public static class TorchSharpOnnxExporter
{
    /// <summary>Exports <paramref name="network"/> as an ONNX model.</summary>
    /// <param name="network">The network; it is not changed.</param>
    /// <param name="inputShape">The shape of one input row, without the batch dimension: [784] for 784 features.</param>
    /// <param name="options">The export settings; the defaults when null.</param>
    /// <returns>The model, ready to serialize.</returns>
    /// <exception cref="ArgumentException">The input shape is empty or has a dimension below 1, or an option is invalid.</exception>
    /// <exception cref="NotSupportedException">A module cannot be exported; the message names its path and type.</exception>
    public static ModelProto Export(torch.nn.Module network, long[] inputShape, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputShape);
        options ??= new OnnxExportOptions();
        options.Validate();
        if (inputShape.Length == 0 || inputShape.Any(dim => dim < 1))
            throw new ArgumentException(
                $"The input shape [{string.Join(", ", inputShape)}] must list at least one dimension, each at least 1; it excludes the batch dimension.",
                nameof(inputShape));

        var steps = SequenceExporter.Plan(network, ModulePath.Root, inputShape);
        var graph = new OnnxGraphBuilder(network.GetName());
        var context = new ModuleExportContext(graph, options, BatchNormFoldPlan.None);

        var input = graph.AddInput(options.InputName, inputShape);
        var output = SequenceExporter.Emit(context, steps, input);
        graph.SetOutput(output, options.OutputName, SequenceExporter.OutputShape(steps, inputShape));

        var model = new ModelProto
        {
            IrVersion = IrVersionFor(options.Opset),
            ProducerName = options.ProducerName,
            ProducerVersion = typeof(TorchSharpOnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            DocString = "Exported from TorchSharp by MLNetDeep; the graph computes the network in eval mode.",
            Graph = graph.Build(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        return model;
    }

    /// <summary>Exports <paramref name="network"/> as an ONNX model and writes its bytes to <paramref name="destination"/>.</summary>
    /// <param name="network">The network; it is not changed.</param>
    /// <param name="inputShape">The shape of one input row, without the batch dimension: [784] for 784 features.</param>
    /// <param name="destination">A writable stream; it is left open.</param>
    /// <param name="options">The export settings; the defaults when null.</param>
    /// <exception cref="ArgumentException">The input shape is empty or has a dimension below 1, or an option is invalid.</exception>
    /// <exception cref="NotSupportedException">A module cannot be exported; the message names its path and type.</exception>
    public static void Export(torch.nn.Module network, long[] inputShape, Stream destination, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Export(network, inputShape, options).WriteTo(destination);
    }

    /// <summary>The IR version released with <paramref name="opset"/>, so that older runtimes are not asked for more than they need.</summary>
    private static long IrVersionFor(int opset) => opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };
}
