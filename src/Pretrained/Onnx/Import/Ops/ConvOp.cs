using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>Conv over 1-D, 2-D or 3-D inputs with groups, dilations, strides, explicit or automatic padding and an optional bias.</summary>
internal sealed class ConvOp : OnnxOp
{
    private readonly int _rank;
    private readonly long[]? _kernelShape;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly long _group;
    private readonly SpatialPadding _padding;

    private ConvOp(OnnxNodeContext context)
    {
        _kernelShape = context.GetInts("kernel_shape");
        var weightRank = context.ConstantInputShape(1)?.Length;
        _rank = _kernelShape?.Length ?? (weightRank - 2)
            ?? throw context.Error("kernel_shape is absent and the weight is not an initializer, so the number of spatial axes is unknown.", "kernel_shape");
        if (_rank is < 1 or > 3)
            throw context.Error($"{_rank} spatial axes are not supported (expected 1, 2 or 3).", "kernel_shape");
        _strides = context.GetInts("strides") ?? Enumerable.Repeat(1L, _rank).ToArray();
        _dilations = context.GetInts("dilations") ?? Enumerable.Repeat(1L, _rank).ToArray();
        if (_strides.Length != _rank || _dilations.Length != _rank)
            throw context.Error($"strides and dilations must have {_rank} values, one per spatial axis.", _strides.Length != _rank ? "strides" : "dilations");
        _group = context.GetInt("group", 1);
        _padding = SpatialPadding.Read(context, _rank);
    }

    public static OnnxOp Create(OnnxNodeContext context) => new ConvOp(context);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        var weight = Required(inputs, 1);
        var bias = inputs.Length > 2 ? inputs[2] : null;
        var kernel = _kernelShape ?? weight.shape[2..];
        var effectiveKernel = kernel.Zip(_dilations, (k, d) => (k - 1) * d + 1).ToArray();
        var (begin, end) = _padding.Resolve(x.shape[2..], effectiveKernel, _strides);
        var (padded, native, owned) = SpatialPadding.Apply(x, begin, end, 0.0);
        try
        {
            return _rank switch
            {
                1 => [F.conv1d(padded, weight, bias, _strides[0], native[0], _dilations[0], _group)],
                2 => [F.conv2d(padded, weight, bias, _strides, native, _dilations, _group)],
                _ => [F.conv3d(padded, weight, bias, _strides, native, _dilations, _group)],
            };
        }
        finally
        {
            if (owned)
                padded.Dispose();
        }
    }
}
