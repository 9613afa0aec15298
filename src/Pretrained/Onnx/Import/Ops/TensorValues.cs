using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>Reads small integer tensors (shapes, pads, axes, split sizes) that ops take as inputs since opset 11–18.</summary>
internal static class TensorValues
{
    public static long[] ToLongs(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().to_type(ScalarType.Int64);
        return cpu.data<long>().ToArray();
    }

    public static double ToScalar(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().to_type(ScalarType.Float64);
        return cpu.data<double>().ToArray() is [var value, ..] ? value : 0.0;
    }

    /// <summary>Turns a possibly negative ONNX axis into a dimension index, or fails naming the node.</summary>
    public static long NormalizeAxis(long axis, long rank, OnnxNodeContextInfo node, string attribute)
    {
        var normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
            throw new ArgumentOutOfRangeException(attribute,
                $"{node.OpType} node '{node.Name}', attribute '{attribute}': axis {axis} is outside the input's rank {rank}.");
        return normalized;
    }
}

/// <summary>The op type and name of a node, kept by compiled ops for errors that can only be seen at run time (shapes).</summary>
internal sealed record OnnxNodeContextInfo(string OpType, string Name)
{
    public static OnnxNodeContextInfo From(OnnxNodeContext context) => new(context.OpType, context.Name);

    public InvalidOperationException RuntimeError(string problem) => new($"{OpType} node '{Name}': {problem}");
}
