using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>Element-wise activations: Relu, LeakyRelu, Sigmoid, Tanh.</summary>
internal static class ActivationOps
{
    public static OnnxOp Relu(OnnxNodeContext context) => SingleOutputOp.Unary(x => F.relu(x));

    public static OnnxOp Sigmoid(OnnxNodeContext context) => SingleOutputOp.Unary(x => x.sigmoid());

    public static OnnxOp Tanh(OnnxNodeContext context) => SingleOutputOp.Unary(x => x.tanh());

    public static OnnxOp LeakyRelu(OnnxNodeContext context)
    {
        var alpha = context.GetFloat("alpha", 0.01f);
        return SingleOutputOp.Unary(x => F.leaky_relu(x, alpha));
    }
}
