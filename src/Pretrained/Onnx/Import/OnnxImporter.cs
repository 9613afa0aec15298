using Onnx;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>
/// Imports an ONNX graph as a trainable TorchSharp module (<see cref="OnnxModule"/>): one input tensor in, one
/// tensor out. Initializers become parameters (weights and biases of Conv, Gemm, MatMul, BatchNormalization's
/// scale and bias) or buffers (running statistics, constants, shapes).
/// </summary>
/// <example>
/// <code>
/// using var backbone = OnnxImporter.Load("ResNet18.onnx");
/// backbone.TrainOnlyLastLayers(6);          // the last residual block
/// backbone.eval();
/// using var features = backbone.forward(images);   // [N, 512, 1, 1]
/// </code>
/// </example>
public static class OnnxImporter
{
    /// <summary>The ONNX operators (default domain) that can be imported, in alphabetical order.</summary>
    public static IReadOnlyCollection<string> SupportedOperators => OnnxOperatorSet.Supported;

    /// <summary>Imports the model stored in <paramref name="path"/>.</summary>
    /// <param name="path">The <c>.onnx</c> file. Tensors stored in external files are looked for beside it.</param>
    /// <param name="options">Import options; <see langword="null"/> (the default) uses <see cref="OnnxImportOptions"/>' defaults.</param>
    /// <returns>The module, in training mode as every new TorchSharp module is: call <c>eval()</c> for inference.</returns>
    /// <exception cref="OnnxImportException">The file is unreadable or not ONNX, or the graph uses an unsupported operator or attribute.</exception>
    public static OnnxModule Load(string path, OnnxImportOptions? options = null)
    {
        var model = OnnxModelReader.Read(path);
        options ??= new OnnxImportOptions();
        var externalData = options.ExternalDataDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path));
        return OnnxGraphCompiler.Compile(model, options with { ExternalDataDirectory = externalData }, path);
    }

    /// <summary>Imports a model read from <paramref name="stream"/> (read to its end; not closed).</summary>
    /// <param name="stream">The serialized model.</param>
    /// <param name="options">Import options; <see langword="null"/> (the default) uses the defaults.</param>
    /// <returns>The module, in training mode.</returns>
    /// <exception cref="OnnxImportException">The bytes are not ONNX, or the graph uses an unsupported operator or attribute.</exception>
    public static OnnxModule Load(Stream stream, OnnxImportOptions? options = null)
    {
        var model = OnnxModelReader.Read(stream);
        return OnnxGraphCompiler.Compile(model, options ?? new OnnxImportOptions(), "stream");
    }

    /// <summary>Imports an already parsed model. The module copies what it needs; later changes to <paramref name="model"/> do not affect it.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Import options; <see langword="null"/> (the default) uses the defaults.</param>
    /// <returns>The module, in training mode.</returns>
    /// <exception cref="OnnxImportException">The graph is malformed or uses an unsupported operator or attribute.</exception>
    public static OnnxModule Load(ModelProto model, OnnxImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxModelReader.CheckStructure(model, "ModelProto");
        return OnnxGraphCompiler.Compile(model, options ?? new OnnxImportOptions(), "ModelProto");
    }
}
