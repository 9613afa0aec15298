using MLNetDeep.Pretrained.Onnx.Import.Ops;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>
/// The operators the importer can compile, and which of their inputs hold learnable weights when an initializer
/// feeds them (those become parameters; every other initializer becomes a buffer).
/// </summary>
internal static class OnnxOperatorSet
{
    private static readonly Dictionary<string, Func<OnnxNodeContext, OnnxOp>> Converters = new(StringComparer.Ordinal)
    {
        ["Conv"] = ConvOp.Create,
        ["BatchNormalization"] = BatchNormalizationOp.Create,
        ["Relu"] = ActivationOps.Relu,
        ["LeakyRelu"] = ActivationOps.LeakyRelu,
        ["Sigmoid"] = ActivationOps.Sigmoid,
        ["Tanh"] = ActivationOps.Tanh,
        ["Softmax"] = SoftmaxOp.Create,
        ["MaxPool"] = PoolOp.MaxPool,
        ["AveragePool"] = PoolOp.AveragePool,
        ["GlobalAveragePool"] = GlobalPoolOp.GlobalAveragePool,
        ["GlobalMaxPool"] = GlobalPoolOp.GlobalMaxPool,
        ["Add"] = ElementwiseOp.Add,
        ["Sub"] = ElementwiseOp.Sub,
        ["Mul"] = ElementwiseOp.Mul,
        ["Div"] = ElementwiseOp.Div,
        ["Gemm"] = MatrixOp.Gemm,
        ["MatMul"] = MatrixOp.MatMul,
        ["Flatten"] = ReshapingOps.Flatten,
        ["Reshape"] = ReshapingOps.Reshape,
        ["Transpose"] = ReshapingOps.Transpose,
        ["Squeeze"] = ReshapingOps.Squeeze,
        ["Unsqueeze"] = ReshapingOps.Unsqueeze,
        ["Pad"] = PadOp.Create,
        ["Concat"] = ConcatSplitOp.Concat,
        ["Split"] = ConcatSplitOp.Split,
        ["ReduceMean"] = ReduceMeanOp.Create,
        ["Shape"] = ShapeComputationOps.Shape,
        ["Gather"] = ShapeComputationOps.Gather,
        ["Cast"] = ShapeComputationOps.Cast,
        ["Identity"] = PassThroughOp.Identity,
        ["Dropout"] = PassThroughOp.Dropout,
    };

    /// <summary>Constant is folded at import time rather than compiled, so it is listed here but has no converter.</summary>
    public const string ConstantOp = "Constant";

    public static IReadOnlyCollection<string> Supported { get; } =
        Converters.Keys.Append(ConstantOp).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Operators whose output, plus an initializer, is a bias: <c>MatMul → Add(bias)</c> is how tf2onnx writes a Keras Dense layer.</summary>
    private static readonly HashSet<string> LinearOps = new(StringComparer.Ordinal) { "Conv", "Gemm", "MatMul" };

    public static bool TryGetConverter(string opType, out Func<OnnxNodeContext, OnnxOp> converter) =>
        Converters.TryGetValue(opType, out converter!);

    /// <summary>
    /// Whether input <paramref name="inputIndex"/> of a node of type <paramref name="opType"/> is a learnable weight
    /// when an initializer feeds it. <paramref name="producerOfOtherInput"/> is the op type that computes the
    /// node's other input (for Add), or <see langword="null"/>.
    /// </summary>
    public static bool IsLearnableInput(string opType, int inputIndex, string? producerOfOtherInput) => opType switch
    {
        "Conv" => inputIndex is 1 or 2,
        "Gemm" => inputIndex is 1 or 2,
        "MatMul" => inputIndex is 0 or 1,
        "BatchNormalization" => inputIndex is 1 or 2,
        "Add" => producerOfOtherInput is not null && LinearOps.Contains(producerOfOtherInput),
        _ => false,
    };
}
