using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// ReduceMean (how tf2onnx writes Keras' GlobalAveragePooling2D): axes as attribute before opset 18 and as
/// optional input after; <c>keepdims</c> defaults to 1; no axes means all, unless <c>noop_with_empty_axes</c>.
/// </summary>
internal sealed class ReduceMeanOp : OnnxOp
{
    private readonly long[]? _fixedAxes;
    private readonly bool _keepDims;
    private readonly bool _noopWithEmptyAxes;
    private readonly OnnxNodeContextInfo _node;

    private ReduceMeanOp(OnnxNodeContext context)
    {
        _node = OnnxNodeContextInfo.From(context);
        _fixedAxes = context.GetInts("axes");
        _keepDims = context.GetInt("keepdims", 1) != 0;
        _noopWithEmptyAxes = context.GetInt("noop_with_empty_axes", 0) != 0;
    }

    public static OnnxOp Create(OnnxNodeContext context) => new ReduceMeanOp(context);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        var axes = inputs.Length > 1 && inputs[1] is { } a ? TensorValues.ToLongs(a) : _fixedAxes ?? [];
        if (axes.Length == 0)
        {
            if (_noopWithEmptyAxes)
                return [x.alias()];
            axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
        }
        var dims = axes.Select(axis => TensorValues.NormalizeAxis(axis, x.dim(), _node, "axes")).ToArray();
        return [x.mean(dims, _keepDims)];
    }
}
