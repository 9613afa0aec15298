using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// Max and Min: the element-wise extreme of one or more inputs, with numpy broadcasting (opset 8+; opset 6 needs equal
/// shapes, which broadcasting accepts too). The exporter writes Max after a zero-padded MaxPool (a constant mask).
/// </summary>
internal sealed class VariadicElementwiseOp(Func<Tensor, Tensor, Tensor> operation) : OnnxOp
{
    public static OnnxOp Max(OnnxNodeContext context)
    {
        context.Accept("consumed_inputs");
        return new VariadicElementwiseOp((a, b) => a.maximum(b));
    }

    public static OnnxOp Min(OnnxNodeContext context)
    {
        context.Accept("consumed_inputs");
        return new VariadicElementwiseOp((a, b) => a.minimum(b));
    }

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var result = Required(inputs, 0).alias();
        for (var i = 1; i < inputs.Length; i++)
            result = operation(result, Required(inputs, i));
        return [result];
    }
}
