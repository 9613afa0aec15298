using Onnx;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// The integer ops that exporters use to compute shapes at run time (torch.onnx's <c>x.view(x.size(0), -1)</c>):
/// Shape (with opset 15 <c>start</c>/<c>end</c>), Gather (negative indices allowed) and Cast.
/// </summary>
internal static class ShapeComputationOps
{
    public static OnnxOp Shape(OnnxNodeContext context)
    {
        var start = context.GetInt("start", 0);
        var end = context.GetIntOrNull("end");
        return new SingleOutputOp(inputs =>
        {
            var x = SingleOutputOp.Input(inputs, 0);
            var rank = x.dim();
            var from = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
            var to = Math.Clamp(end is { } e ? (e < 0 ? e + rank : e) : rank, 0, rank);
            return tensor(x.shape[(int)from..(int)Math.Max(from, to)], ScalarType.Int64, x.device);
        });
    }

    public static OnnxOp Gather(OnnxNodeContext context)
    {
        var axis = context.GetInt("axis", 0);
        var node = OnnxNodeContextInfo.From(context);
        return new SingleOutputOp(inputs =>
        {
            var data = SingleOutputOp.Input(inputs, 0);
            var indices = SingleOutputOp.Input(inputs, 1);
            var dim = TensorValues.NormalizeAxis(axis, data.dim(), node, "axis");
            using var scope = NewDisposeScope();
            var index = indices.to_type(ScalarType.Int64).to(data.device);
            index = where(index < 0, index + data.shape[dim], index);
            var picked = data.index_select(dim, index.flatten());
            var shape = data.shape[..(int)dim].Concat(indices.shape).Concat(data.shape[((int)dim + 1)..]).ToArray();
            return picked.reshape(shape).MoveToOuterDisposeScope();
        });
    }

    public static OnnxOp Cast(OnnxNodeContext context)
    {
        var to = (TensorProto.Types.DataType)context.GetInt("to", 0);
        var type = OnnxTensorConversion.ToTorchType(to)
            ?? throw context.Error($"casting to {to} is not supported (expected a float, integer or bool type).", "to");
        // 'saturate' (opset 19) only concerns float8 targets, which are refused above.
        context.GetInt("saturate", 1);
        return new SingleOutputOp(inputs => SingleOutputOp.Input(inputs, 0).to_type(type, copy: true));
    }
}
