using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>An op whose whole run-time behaviour is one function of its inputs to one output (the converter captures its attributes).</summary>
internal sealed class SingleOutputOp(Func<Tensor?[], Tensor> forward) : OnnxOp
{
    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state) => [forward(inputs)];

    /// <summary>An op computing its output from input 0 alone.</summary>
    public static SingleOutputOp Unary(Func<Tensor, Tensor> function) => new(inputs => function(Required(inputs, 0)));

    /// <summary>Input <paramref name="index"/>, which the operator requires (for converters' lambdas).</summary>
    public static Tensor Input(Tensor?[] inputs, int index) => Required(inputs, index);
}
