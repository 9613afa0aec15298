using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// Ops that only rearrange a tensor: Flatten, Reshape (shape as attribute before opset 5, as input after;
/// 0 copies the input's size unless <c>allowzero</c>), Transpose, Squeeze and Unsqueeze (axes as attribute
/// before opset 13, as input after).
/// </summary>
internal static class ReshapingOps
{
    public static OnnxOp Flatten(OnnxNodeContext context)
    {
        var axis = context.GetInt("axis", 1);
        var node = OnnxNodeContextInfo.From(context);
        return new SingleOutputOp(inputs =>
        {
            var x = SingleOutputOp.Input(inputs, 0);
            // Flatten's axis may equal the rank (everything goes to the first dimension).
            var split = axis < 0 ? axis + x.dim() : axis;
            if (split < 0 || split > x.dim())
                throw node.RuntimeError($"axis {axis} is outside 0..{x.dim()} for an input of rank {x.dim()}.");
            var rows = x.shape.Take((int)split).Aggregate(1L, (p, d) => p * d);
            return x.reshape(rows, x.numel() / Math.Max(rows, 1));
        });
    }

    public static OnnxOp Reshape(OnnxNodeContext context)
    {
        var fixedShape = context.GetInts("shape");
        var allowZero = context.GetInt("allowzero", 0) != 0;
        var node = OnnxNodeContextInfo.From(context);
        if (fixedShape is null && !context.HasInput(1))
            throw context.Error("the target shape is missing (expected the 'shape' input, or the 'shape' attribute before opset 5).", "shape");
        return new SingleOutputOp(inputs =>
        {
            var x = SingleOutputOp.Input(inputs, 0);
            var shape = inputs.Length > 1 && inputs[1] is { } s ? TensorValues.ToLongs(s) : fixedShape!;
            var target = (long[])shape.Clone();
            for (var i = 0; i < target.Length; i++)
            {
                if (target[i] == 0 && !allowZero)
                {
                    if (i >= x.dim())
                        throw node.RuntimeError($"shape [{string.Join(",", shape)}] copies dimension {i} (value 0) but the input has rank {x.dim()}.");
                    target[i] = x.shape[i];
                }
            }
            return x.reshape(target);
        });
    }

    public static OnnxOp Transpose(OnnxNodeContext context)
    {
        var perm = context.GetInts("perm");
        return new SingleOutputOp(inputs =>
        {
            var x = SingleOutputOp.Input(inputs, 0);
            var order = perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(d => (long)d).ToArray();
            return x.permute(order);
        });
    }

    public static OnnxOp Squeeze(OnnxNodeContext context)
    {
        var fixedAxes = context.GetInts("axes");
        var node = OnnxNodeContextInfo.From(context);
        return new SingleOutputOp(inputs =>
        {
            var x = SingleOutputOp.Input(inputs, 0);
            var axes = inputs.Length > 1 && inputs[1] is { } a ? TensorValues.ToLongs(a) : fixedAxes;
            if (axes is null)
                return x.squeeze();
            var drop = axes.Select(axis => TensorValues.NormalizeAxis(axis, x.dim(), node, "axes")).ToHashSet();
            var shape = x.shape.Where((_, i) => !drop.Contains(i)).ToArray();
            return x.reshape(shape);
        });
    }

    public static OnnxOp Unsqueeze(OnnxNodeContext context)
    {
        var fixedAxes = context.GetInts("axes");
        var node = OnnxNodeContextInfo.From(context);
        if (fixedAxes is null && !context.HasInput(1))
            throw context.Error("the axes are missing (expected the 'axes' input, or the 'axes' attribute before opset 13).", "axes");
        return new SingleOutputOp(inputs =>
        {
            var x = SingleOutputOp.Input(inputs, 0);
            var axes = inputs.Length > 1 && inputs[1] is { } a ? TensorValues.ToLongs(a) : fixedAxes!;
            var rank = x.dim() + axes.Length;
            var inserted = axes.Select(axis => TensorValues.NormalizeAxis(axis, rank, node, "axes")).ToHashSet();
            var shape = new long[rank];
            var source = 0;
            for (var i = 0; i < rank; i++)
                shape[i] = inserted.Contains(i) ? 1 : x.shape[source++];
            return x.reshape(shape);
        });
    }
}
