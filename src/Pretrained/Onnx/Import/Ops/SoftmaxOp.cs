using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// Softmax. Before opset 13 the input is seen as a 2-D matrix split at <c>axis</c> (default 1) and normalized over
/// everything from that axis on; from opset 13 it is normalized along <c>axis</c> alone (default -1).
/// </summary>
internal sealed class SoftmaxOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _coerceTo2D;
    private readonly OnnxNodeContextInfo _node;

    private SoftmaxOp(OnnxNodeContext context)
    {
        _coerceTo2D = context.Opset < 13;
        _axis = context.GetInt("axis", _coerceTo2D ? 1 : -1);
        _node = OnnxNodeContextInfo.From(context);
    }

    public static OnnxOp Create(OnnxNodeContext context) => new SoftmaxOp(context);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        var axis = TensorValues.NormalizeAxis(_axis, x.dim(), _node, "axis");
        if (!_coerceTo2D)
            return [F.softmax(x, axis)];
        var shape = x.shape;
        var rows = shape.Take((int)axis).Aggregate(1L, (a, b) => a * b);
        using var matrix = x.reshape(rows, -1);
        using var normalized = F.softmax(matrix, 1);
        return [normalized.reshape(shape)];
    }
}
