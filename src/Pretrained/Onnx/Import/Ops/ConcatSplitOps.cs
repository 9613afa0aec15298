using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// Concat, and Split into as many parts as the node has outputs: sizes from the <c>split</c> attribute (before
/// opset 13) or input (from 13), else equal parts (opset 18 <c>num_outputs</c> lets the last part be smaller).
/// </summary>
internal sealed class ConcatSplitOp : OnnxOp
{
    private readonly bool _isConcat;
    private readonly long _axis;
    private readonly long[]? _fixedSplit;
    private readonly int _parts;
    private readonly OnnxNodeContextInfo _node;

    private ConcatSplitOp(OnnxNodeContext context, bool isConcat)
    {
        _isConcat = isConcat;
        _node = OnnxNodeContextInfo.From(context);
        if (isConcat)
        {
            _axis = context.GetIntOrNull("axis")
                ?? (context.Opset < 4 ? 1 : throw context.Error("the attribute is required from opset 4.", "axis"));
            return;
        }
        _axis = context.GetInt("axis", 0);
        _fixedSplit = context.GetInts("split");
        _parts = (int)context.GetInt("num_outputs", context.OutputCount);
        if (_parts != context.OutputCount)
            throw context.Error($"num_outputs is {_parts} but the node declares {context.OutputCount} outputs.", "num_outputs");
        if (_fixedSplit is not null && _fixedSplit.Length != _parts)
            throw context.Error($"{_fixedSplit.Length} sizes given for {_parts} outputs.", "split");
    }

    public static OnnxOp Concat(OnnxNodeContext context) => new ConcatSplitOp(context, isConcat: true);

    public static OnnxOp Split(OnnxNodeContext context) => new ConcatSplitOp(context, isConcat: false);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        var axis = TensorValues.NormalizeAxis(_axis, x.dim(), _node, "axis");
        if (_isConcat)
            return [cat(inputs.Select((t, i) => t ?? Required(inputs, i)).ToArray(), axis)];
        var sizes = inputs.Length > 1 && inputs[1] is { } s ? TensorValues.ToLongs(s) : _fixedSplit ?? EqualParts(x.shape[axis]);
        if (sizes.Sum() != x.shape[axis])
            throw _node.RuntimeError($"split sizes [{string.Join(",", sizes)}] add up to {sizes.Sum()} but axis {axis} has size {x.shape[axis]}.");
        return x.split(sizes, axis);
    }

    private long[] EqualParts(long size)
    {
        var part = (size + _parts - 1) / _parts;
        return Enumerable.Range(0, _parts).Select(i => Math.Clamp(size - i * part, 0, part)).ToArray();
    }
}
