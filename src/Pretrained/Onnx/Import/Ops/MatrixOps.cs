using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>Gemm (Y = alpha·A'·B' + beta·C with optional transposes and optional C) and MatMul (numpy matmul).</summary>
internal sealed class MatrixOp : OnnxOp
{
    private readonly bool _isGemm;
    private readonly float _alpha;
    private readonly float _beta;
    private readonly bool _transA;
    private readonly bool _transB;

    private MatrixOp(OnnxNodeContext context, bool isGemm)
    {
        _isGemm = isGemm;
        if (!isGemm)
            return;
        _alpha = context.GetFloat("alpha", 1f);
        _beta = context.GetFloat("beta", 1f);
        _transA = context.GetInt("transA", 0) != 0;
        _transB = context.GetInt("transB", 0) != 0;
        // Opset 1–6 'broadcast' allowed C to broadcast; numpy broadcasting below covers both settings.
        context.GetInt("broadcast", 0);
    }

    public static OnnxOp Gemm(OnnxNodeContext context) => new MatrixOp(context, isGemm: true);

    public static OnnxOp MatMul(OnnxNodeContext context) => new MatrixOp(context, isGemm: false);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        if (!_isGemm)
            return [a.matmul(b)];
        var c = inputs.Length > 2 ? inputs[2] : null;
        // The common fully-connected case is exactly F.linear, libtorch's fused kernel.
        if (!_transA && _transB && _alpha == 1f && (c is null || _beta == 1f))
            return [F.linear(a, b, c)];
        using var scope = NewDisposeScope();
        var left = _transA ? a.t() : a;
        var right = _transB ? b.t() : b;
        var product = left.matmul(right);
        if (_alpha != 1f)
            product = product * _alpha;
        if (c is not null)
            product = product + (_beta == 1f ? c : c * _beta);
        return [product.MoveToOuterDisposeScope()];
    }
}
