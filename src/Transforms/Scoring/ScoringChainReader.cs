using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Transforms.Onnx;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// Takes a loaded MLNetDeep scoring chain apart: the ONNX graph inside its OnnxTransformer, the graph's input and
/// output columns, and the prediction head after it.
/// </summary>
/// <remarks>
/// ML.NET 5.0.1 keeps the graph and the column names internal (<c>OnnxTransformer.Model.ModelStream</c>, the file it
/// scores from, and <c>Inputs</c>/<c>Outputs</c>), so they are read by reflection; a clear
/// <see cref="NotSupportedException"/> says so if another ML.NET version moved them.
/// </remarks>
internal sealed class ScoringChainReader
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    private ScoringChainReader(byte[] onnxModel, string inputColumn, string outputColumn, ITransformer head)
    {
        OnnxModel = onnxModel;
        InputColumn = inputColumn;
        OutputColumn = outputColumn;
        Head = head;
    }

    public byte[] OnnxModel { get; }

    public string InputColumn { get; }

    public string OutputColumn { get; }

    public ITransformer Head { get; }

    /// <summary>Reads <paramref name="model"/>, a chain loaded from <paramref name="source"/> (named in errors).</summary>
    /// <exception cref="InvalidDataException">The chain is not [width check,] OnnxTransformer, prediction transformer.</exception>
    public static ScoringChainReader Read(ITransformer model, string source)
    {
        var members = Flatten(model).ToList();
        var core = members.Count > 0 && FeatureWidthCheck.IsWidthCheck(members[0]) ? members.Skip(1).ToList() : members;
        if (core.Count != 2 || core[0] is not OnnxTransformer onnx)
        {
            throw new InvalidDataException(
                $"{source} is not an MLNetDeep model: its transformers are [{string.Join(", ", members.Select(Describe))}], " +
                "but an MLNetDeep scoring chain is ML.NET's OnnxTransformer followed by a prediction transformer " +
                "(what Fit returns for mlContext.<Task>.Trainers.DeepNeuralNetwork, saved with mlContext.Model.Save).");
        }
        var (inputs, outputs) = (Names(onnx, "Inputs"), Names(onnx, "Outputs"));
        if (inputs.Length != 1 || outputs.Length != 1)
            throw new InvalidDataException($"{source} is not an MLNetDeep model: its ONNX graph has {inputs.Length} inputs and {outputs.Length} outputs; MLNetDeep graphs have one of each.");
        return new ScoringChainReader(GraphBytes(onnx), inputs[0], outputs[0], core[1]);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain && !FeatureWidthCheck.IsWidthCheck(transformer) ? chain.SelectMany(Flatten) : new[] { transformer };

    private static string Describe(ITransformer transformer)
    {
        var type = transformer.GetType();
        return type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(a => a.Name))}>" : type.Name;
    }

    private static string[] Names(OnnxTransformer onnx, string property) =>
        typeof(OnnxTransformer).GetProperty(property, Members)?.GetValue(onnx) as string[] ?? throw Unsupported($"OnnxTransformer.{property}");

    private static byte[] GraphBytes(OnnxTransformer onnx)
    {
        var model = typeof(OnnxTransformer).GetField("Model", Members)?.GetValue(onnx) ?? throw Unsupported("OnnxTransformer.Model");
        if (model.GetType().GetProperty("ModelStream", Members)?.GetValue(model) is not FileStream file)
            throw Unsupported("OnnxModel.ModelStream");
        // ML.NET holds the file open while the transformer lives; a second read-only handle is allowed.
        using var copy = new FileStream(file.Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[copy.Length];
        copy.ReadExactly(bytes);
        return bytes;
    }

    private static NotSupportedException Unsupported(string member) => new(
        $"{member} was not found in Microsoft.ML.OnnxTransformer {typeof(OnnxTransformer).Assembly.GetName().Version}; " +
        "BatchPredictor reads the ONNX graph through it and supports Microsoft.ML 5.0.x.");
}
