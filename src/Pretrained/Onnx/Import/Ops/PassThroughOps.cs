using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// Identity and Dropout. Dropout follows the module's mode: it drops (ratio from the attribute before opset 12,
/// from the optional input after) only while the module trains; the <c>training_mode</c> input is not consulted.
/// </summary>
internal sealed class PassThroughOp : OnnxOp
{
    private readonly bool _isDropout;
    private readonly float _ratio;
    private readonly bool _neverDrops;

    private PassThroughOp(bool isDropout, float ratio, bool neverDrops)
    {
        _isDropout = isDropout;
        _ratio = ratio;
        _neverDrops = neverDrops;
    }

    public static OnnxOp Identity(OnnxNodeContext context) => new PassThroughOp(false, 0f, true);

    public static OnnxOp Dropout(OnnxNodeContext context)
    {
        var ratio = context.GetFloat("ratio", 0.5f);
        // 'is_test' (opset 1–6) marks a graph that never drops; 'seed' (opset 12+) cannot be honoured by libtorch's generator.
        var isTest = context.GetInt("is_test", 0) != 0;
        context.Accept("seed");
        context.Accept("consumed_inputs");
        return new PassThroughOp(true, ratio, isTest);
    }

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        // A new handle, not the same object: the executor disposes each value after its last use.
        if (!_isDropout)
            return [x.alias()];
        var ratio = inputs.Length > 1 && inputs[1] is { } r ? TensorValues.ToScalar(r) : _ratio;
        if (!state.Training || _neverDrops || ratio == 0)
            return [x.alias(), ones_like(x, ScalarType.Bool)];
        using var keep = bernoulli(full_like(x, 1 - ratio));
        var mask = keep.to_type(ScalarType.Bool);
        return [x.mul(keep).div(1 - ratio), mask];
    }
}
