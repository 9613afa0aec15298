using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// The padding of a windowed op (Conv, MaxPool, AveragePool): explicit <c>pads</c> (begin values then end
/// values, possibly unequal, as CNTK writes them) or <c>auto_pad</c> SAME_UPPER / SAME_LOWER / VALID, which
/// depends on the input size and is resolved on each call.
/// </summary>
internal sealed class SpatialPadding
{
    private readonly string _autoPad;
    private readonly long[] _begin;
    private readonly long[] _end;

    private SpatialPadding(string autoPad, long[] begin, long[] end)
    {
        _autoPad = autoPad;
        _begin = begin;
        _end = end;
    }

    public static SpatialPadding Read(OnnxNodeContext context, int spatialRank)
    {
        var autoPad = context.GetString("auto_pad", "NOTSET");
        var pads = context.GetInts("pads");
        if (autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            throw context.Error($"'{autoPad}' is not supported (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID).", "auto_pad");
        if (pads is not null && pads.Length != 2 * spatialRank)
            throw context.Error($"expected {2 * spatialRank} values (begin and end for each of {spatialRank} spatial axes) but found {pads.Length}.", "pads");
        if (pads is not null && autoPad is not "NOTSET" && pads.Any(p => p != 0))
            throw context.Error($"explicit pads cannot be combined with auto_pad '{autoPad}'.", "pads");
        pads ??= new long[2 * spatialRank];
        return new SpatialPadding(autoPad, pads[..spatialRank], pads[spatialRank..]);
    }

    /// <summary>The begin and end padding for an input whose spatial sizes are <paramref name="inputSizes"/>.</summary>
    public (long[] Begin, long[] End) Resolve(long[] inputSizes, long[] effectiveKernel, long[] strides)
    {
        if (_autoPad is "NOTSET")
            return (_begin, _end);
        var rank = inputSizes.Length;
        var begin = new long[rank];
        var end = new long[rank];
        if (_autoPad is "VALID")
            return (begin, end);
        for (var i = 0; i < rank; i++)
        {
            var output = (inputSizes[i] + strides[i] - 1) / strides[i];
            var total = Math.Max(0, (output - 1) * strides[i] + effectiveKernel[i] - inputSizes[i]);
            var small = total / 2;
            (begin[i], end[i]) = _autoPad is "SAME_UPPER" ? (small, total - small) : (total - small, small);
        }
        return (begin, end);
    }

    /// <summary>
    /// Pads <paramref name="input"/> explicitly with <paramref name="value"/> when the padding cannot be passed to
    /// libtorch (unequal begin/end, or more than <paramref name="nativeLimit"/> where libtorch caps it), and returns
    /// the padding left for the libtorch call.
    /// </summary>
    public static (Tensor Input, long[] NativePadding, bool Padded) Apply(Tensor input, long[] begin, long[] end, double value, long[]? nativeLimit = null)
    {
        var symmetric = begin.SequenceEqual(end)
            && (nativeLimit is null || begin.Zip(nativeLimit).All(p => p.First <= p.Second));
        if (symmetric)
            return (input, begin, false);
        // F.pad lists the last axis first.
        var torchPads = new long[2 * begin.Length];
        for (var i = 0; i < begin.Length; i++)
        {
            var axis = begin.Length - 1 - i;
            torchPads[2 * i] = begin[axis];
            torchPads[2 * i + 1] = end[axis];
        }
        return (F.pad(input, torchPads, PaddingModes.Constant, value), new long[begin.Length], true);
    }
}
