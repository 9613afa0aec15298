using Onnx;
using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// How a convolution or pooling window slides over the height and width of [N, C, H, W]: per axis (0 = height, 1 = width)
/// its kernel, stride and dilation and the padding at each end, with torch's rule for the output size.
/// </summary>
/// <remarks>
/// ceil_mode is never written to the graph. The windows it adds at the end of an axis are reproduced by padding that end
/// just enough for the floor rule to count them (<see cref="CeilOverflow"/>). Padding means the same to every ONNX
/// implementation, whereas ceil mode's edge cases, such as a last window that would start in the padding (torch drops it),
/// are where implementations have been known to differ from torch. ONNX Runtime 1.31's own ceil_mode matched torch on the
/// cases the tests cover, but the graph does not rely on it.
/// </remarks>
/// <param name="Kernel">The kernel size per axis.</param>
/// <param name="Stride">The stride per axis.</param>
/// <param name="Dilation">The spacing of the kernel's taps per axis (1: adjacent).</param>
/// <param name="PadBegin">The padding before the first row and column.</param>
/// <param name="PadEnd">The padding after the last row and column.</param>
/// <param name="CeilMode">Whether a partial last window counts (torch's ceil_mode).</param>
internal sealed record SlidingWindow2d(long[] Kernel, long[] Stride, long[] Dilation, long[] PadBegin, long[] PadEnd, bool CeilMode)
{
    /// <summary>
    /// A pooling window, with torch's defaults filled in where the module leaves a setting null (stride: the kernel size,
    /// padding: 0, dilation: 1) and the same padding at both ends.
    /// </summary>
    /// <exception cref="NotSupportedException">The padding exceeds half the kernel, which torch's pooling refuses.</exception>
    public static SlidingWindow2d ForPooling(string path, Module module, long[] kernel, long[]? stride, long[]? padding, long[]? dilation, bool ceilMode)
    {
        kernel = PerAxis(kernel);
        padding = padding is null ? [0, 0] : PerAxis(padding);
        if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2)
            throw ExportErrors.Unsupported(path, module,
                $"its padding {List(padding)} exceeds half its kernel {List(kernel)}, which torch refuses when it runs");
        return new SlidingWindow2d(kernel, stride is null ? kernel : PerAxis(stride), dilation is null ? [1, 1] : PerAxis(dilation), padding, padding, ceilMode);
    }

    /// <summary>The output height and width for an input of <paramref name="height"/> × <paramref name="width"/>.</summary>
    /// <exception cref="NotSupportedException">The window does not fit the input (torch fails there too).</exception>
    public (long Height, long Width) OutputSize(long height, long width, string path, Module module)
    {
        var (outputHeight, outputWidth) = (OutputLength(0, height), OutputLength(1, width));
        if (outputHeight < 1 || outputWidth < 1)
            throw ExportErrors.Unsupported(path, module,
                $"its window (kernel {List(Kernel)}, stride {List(Stride)}, dilation {List(Dilation)}, padding {List(PadBegin)} before and {List(PadEnd)} after) "
                + $"does not fit its {height}x{width} input: the output would be {outputHeight}x{outputWidth}");
        return (outputHeight, outputWidth);
    }

    /// <summary>
    /// The ONNX attributes kernel_shape, strides, pads (the ceil-mode overflow included) and, where not all 1, dilations, for
    /// an input of <paramref name="height"/> × <paramref name="width"/>.
    /// </summary>
    public AttributeProto[] Attributes(long height, long width)
    {
        long[] pads = [PadBegin[0], PadBegin[1], PadEnd[0] + CeilOverflow(0, height), PadEnd[1] + CeilOverflow(1, width)];
        AttributeProto[] attributes = [OnnxAttributes.Ints("kernel_shape", Kernel), OnnxAttributes.Ints("strides", Stride), OnnxAttributes.Ints("pads", pads)];
        // Omitted when 1 so that AveragePool, which has dilations only from opset 19, can share this.
        return Dilation.All(dilation => dilation == 1) ? attributes : [.. attributes, OnnxAttributes.Ints("dilations", Dilation)];
    }

    /// <summary>
    /// How far the last ceil-mode window reaches past <see cref="PadEnd"/> on <paramref name="axis"/>: the padding to add so
    /// that the floor rule counts it. 0 without ceil mode, or when the windows end within the padding anyway.
    /// </summary>
    public long CeilOverflow(int axis, long input) =>
        Math.Max(0, (OutputLength(axis, input) - 1) * Stride[axis] + ReachOf(axis) - (input + PadBegin[axis] + PadEnd[axis]));

    /// <summary>
    /// torch's output length on <paramref name="axis"/>: floor((input + padding - reach) / stride) + 1, rounding up instead in
    /// ceil mode, except that a last window starting in the end padding is dropped.
    /// </summary>
    private long OutputLength(int axis, long input)
    {
        var stride = Stride[axis];
        var slack = input + PadBegin[axis] + PadEnd[axis] - ReachOf(axis);
        if (!CeilMode)
            return FloorDivide(slack, stride) + 1;
        var length = FloorDivide(slack + stride - 1, stride) + 1;
        return (length - 1) * stride >= input + PadBegin[axis] ? length - 1 : length;
    }

    /// <summary>The span one window covers on <paramref name="axis"/>, from its first tap to its last: dilation (kernel - 1) + 1.</summary>
    private long ReachOf(int axis) => Dilation[axis] * (Kernel[axis] - 1) + 1;

    /// <summary>Division rounding towards negative infinity, as torch's div_rtn; C#'s / truncates towards 0.</summary>
    private static long FloorDivide(long dividend, long divisor)
    {
        var quotient = dividend / divisor;
        return dividend % divisor != 0 && (dividend < 0) != (divisor < 0) ? quotient - 1 : quotient;
    }

    /// <summary>A setting for height and width; a single value, as torch accepts, serves both.</summary>
    private static long[] PerAxis(long[] values) => values.Length == 1 ? [values[0], values[0]] : values;

    private static string List(long[] values) => $"[{string.Join(", ", values)}]";
}
