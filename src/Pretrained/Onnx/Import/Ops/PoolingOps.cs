using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// MaxPool and AveragePool over 2-D inputs (N, C, H, W), with explicit (possibly unequal) or automatic padding,
/// <c>ceil_mode</c>, MaxPool <c>dilations</c> and AveragePool <c>count_include_pad</c>.
/// </summary>
internal sealed class PoolOp : OnnxOp
{
    private readonly bool _isMax;
    private readonly long[] _kernel;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly bool _ceilMode;
    private readonly bool _countIncludePad;
    private readonly SpatialPadding _padding;
    private readonly OnnxNodeContextInfo _node;

    private PoolOp(OnnxNodeContext context, bool isMax)
    {
        _isMax = isMax;
        _node = OnnxNodeContextInfo.From(context);
        _kernel = context.GetInts("kernel_shape") ?? throw context.Error("the attribute is required.", "kernel_shape");
        if (_kernel.Length != 2)
            throw context.Error($"{_kernel.Length} spatial axes are not supported (expected 2: pooling over N, C, H, W inputs).", "kernel_shape");
        _strides = context.GetInts("strides") ?? [1, 1];
        _dilations = context.GetInts("dilations") ?? [1, 1];
        _ceilMode = context.GetInt("ceil_mode", 0) != 0;
        _padding = SpatialPadding.Read(context, 2);
        if (isMax)
        {
            // storage_order only changes the optional Indices output, which is refused below.
            context.GetInt("storage_order", 0);
            if (context.HasOutput(1))
                throw context.Error("the optional Indices output is not supported (expected only output Y to be used).", "Indices");
        }
        else
        {
            _countIncludePad = context.GetInt("count_include_pad", 0) != 0;
            if (_dilations.Any(d => d != 1))
                throw context.Error($"dilations [{string.Join(",", _dilations)}] are not supported for AveragePool (expected all 1).", "dilations");
        }
    }

    public static OnnxOp MaxPool(OnnxNodeContext context) => new PoolOp(context, isMax: true);

    public static OnnxOp AveragePool(OnnxNodeContext context) => new PoolOp(context, isMax: false);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        if (x.dim() != 4)
            throw _node.RuntimeError($"expected a 4-D input (N, C, H, W) but got shape [{string.Join(",", x.shape)}].");
        var effectiveKernel = _kernel.Zip(_dilations, (k, d) => (k - 1) * d + 1).ToArray();
        var (begin, end) = _padding.Resolve(x.shape[2..], effectiveKernel, _strides);
        // libtorch accepts at most half the kernel as padding.
        var limit = _kernel.Select(k => k / 2).ToArray();
        if (_isMax)
        {
            var (padded, native, owned) = SpatialPadding.Apply(x, begin, end, double.NegativeInfinity, limit);
            using var _ = owned ? padded : null;
            return [F.max_pool2d(padded, _kernel, _strides, native, _dilations, _ceilMode)];
        }

        var (input, nativePads, explicitlyPadded) = SpatialPadding.Apply(x, begin, end, 0.0, limit);
        using var paddedInput = explicitlyPadded ? input : null;
        if (!explicitlyPadded || _countIncludePad)
            return [F.avg_pool2d(input, _kernel, _strides, nativePads, _ceilMode, _countIncludePad)];
        // Excluding padding after padding explicitly: the same average over a mask of real pixels gives each
        // window's share of real pixels, and dividing by it turns the average over the window into one over them.
        using var realPixels = torch.ones(1, 1, x.shape[2], x.shape[3], x.dtype, x.device);
        var (mask, _, _) = SpatialPadding.Apply(realPixels, begin, end, 0.0);
        using var maskOwner = mask;
        using var windowMean = F.avg_pool2d(input, _kernel, _strides, nativePads, _ceilMode, true);
        using var realShare = F.avg_pool2d(mask, _kernel, _strides, nativePads, _ceilMode, true);
        return [windowMean.div(realShare)];
    }
}

/// <summary>GlobalAveragePool and GlobalMaxPool: one value per channel over all spatial axes, which are kept with size 1.</summary>
internal sealed class GlobalPoolOp(bool isMax) : OnnxOp
{
    public static OnnxOp GlobalAveragePool(OnnxNodeContext context) => new GlobalPoolOp(false);

    public static OnnxOp GlobalMaxPool(OnnxNodeContext context) => new GlobalPoolOp(true);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        var spatial = Enumerable.Range(2, (int)x.dim() - 2).Select(d => (long)d).ToArray();
        return [isMax ? x.amax(spatial, keepdim: true) : x.mean(spatial, keepdim: true)];
    }
}
