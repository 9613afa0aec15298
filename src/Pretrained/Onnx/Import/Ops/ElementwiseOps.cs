using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// Binary arithmetic: Add, Sub, Mul, Div, with numpy broadcasting (opset 7+) and the older explicit form
/// (opset 1–6: <c>broadcast</c>=1 aligns B with A starting at <c>axis</c>). Integer Div truncates, as ONNX does.
/// </summary>
internal sealed class ElementwiseOp : OnnxOp
{
    private readonly Func<Tensor, Tensor, Tensor> _operation;
    private readonly long? _legacyAxis;

    private ElementwiseOp(OnnxNodeContext context, Func<Tensor, Tensor, Tensor> operation)
    {
        _operation = operation;
        // 'consumed_inputs' (opset 1) described in-place reuse; it does not change results.
        context.Accept("consumed_inputs");
        var broadcast = context.GetInt("broadcast", 0);
        var axis = context.GetIntOrNull("axis");
        if (broadcast == 1 && axis is not null)
            _legacyAxis = axis;
    }

    public static OnnxOp Add(OnnxNodeContext context) => new ElementwiseOp(context, (a, b) => a.add(b));

    public static OnnxOp Sub(OnnxNodeContext context) => new ElementwiseOp(context, (a, b) => a.sub(b));

    public static OnnxOp Mul(OnnxNodeContext context) => new ElementwiseOp(context, (a, b) => a.mul(b));

    public static OnnxOp Div(OnnxNodeContext context) => new ElementwiseOp(context, (a, b) =>
        a.is_floating_point() ? a.div(b) : a.div(b, RoundingMode.trunc));

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        if (_legacyAxis is not { } axis)
            return [_operation(a, b)];
        var start = axis < 0 ? axis + a.dim() : axis;
        var shape = new long[a.dim()];
        Array.Fill(shape, 1L);
        for (var i = 0; i < b.dim(); i++)
            shape[start + i] = b.shape[i];
        using var aligned = b.reshape(shape);
        return [_operation(a, aligned)];
    }
}
