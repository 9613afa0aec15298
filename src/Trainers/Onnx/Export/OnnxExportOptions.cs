namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>Settings for <see cref="TorchSharpOnnxExporter"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The lowest opset the exporter writes: from opset 13 on, Softmax and LogSoftmax normalize along one axis, as torch does.</summary>
    public const int MinimumOpset = 13;

    /// <summary>
    /// The highest opset the exporter writes. The operators it emits mean the same from <see cref="MinimumOpset"/> up to here,
    /// and ONNX Runtime 1.31 (the runtime behind ML.NET's OnnxTransformer here) runs all of them.
    /// </summary>
    public const int MaximumOpset = 21;

    /// <summary>The name of the graph input, shaped [N, inputShape...]. Defaults to <c>Features</c>, ML.NET's usual feature column.</summary>
    public string InputName { get; set; } = "Features";

    /// <summary>The name of the graph output, shaped [N, ...]. Defaults to <c>Output</c>.</summary>
    public string OutputName { get; set; } = "Output";

    /// <summary>
    /// The ONNX opset (default domain) the graph is written for, from <see cref="MinimumOpset"/> to <see cref="MaximumOpset"/>.
    /// The default, 17, is old enough for every ONNX Runtime of the last years and for most ONNX tools, and new enough that
    /// all exported operators have their current semantics. Opset 20 and later write GELU as one <c>Gelu</c> node;
    /// earlier opsets spell it out with <c>Erf</c> or <c>Tanh</c>.
    /// </summary>
    /// <remarks>
    /// The CNN operators read the same across the range: <c>Pad</c> and <c>Clip</c> (ReLU6) take their pads and bounds as
    /// inputs, the form required since opset 11; <c>Conv</c>, <c>MaxPool</c>, <c>AveragePool</c>, <c>GlobalAveragePool</c>,
    /// <c>BatchNormalization</c> and <c>Add</c> are written with attributes every opset from 13 has (pooling dilations only
    /// where not 1, on MaxPool, which has had them since opset 10).
    /// </remarks>
    public int Opset { get; set; } = 17;

    /// <summary>
    /// Whether eval-mode batch norms are folded into an adjacent layer: a BatchNorm1d into a Linear, a BatchNorm2d into the
    /// Conv2d before it (see <see cref="TorchSharpOnnxExporter"/> for when one can be). Folding removes the normalization
    /// nodes and gives the same outputs up to float rounding. When false, every batch norm becomes a <c>BatchNormalization</c> node.
    /// </summary>
    public bool FoldBatchNorm { get; set; } = true;

    /// <summary>The model's <c>producer_name</c>.</summary>
    public string ProducerName { get; set; } = "MLNetDeep";

    /// <summary>Checks the settings and says which one is wrong.</summary>
    /// <exception cref="ArgumentException">A name is empty, the two names are equal, or the opset is out of range.</exception>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(InputName))
            throw new ArgumentException($"{nameof(OnnxExportOptions)}.{nameof(InputName)} must not be empty.");
        if (string.IsNullOrWhiteSpace(OutputName))
            throw new ArgumentException($"{nameof(OnnxExportOptions)}.{nameof(OutputName)} must not be empty.");
        if (InputName == OutputName)
            throw new ArgumentException(
                $"{nameof(OnnxExportOptions)}.{nameof(InputName)} and {nameof(OutputName)} are both '{InputName}'; they must differ.");
        if (Opset is < MinimumOpset or > MaximumOpset)
            throw new ArgumentException(
                $"{nameof(OnnxExportOptions)}.{nameof(Opset)} is {Opset}; supported opsets are {MinimumOpset} to {MaximumOpset}.");
    }
}
