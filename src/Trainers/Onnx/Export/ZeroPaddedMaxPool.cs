using MLNetDeep.Trainers.Onnx.Export.Exporters;
using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Keeps a ZeroPad2d followed by a MaxPool2d exact in ONNX Runtime. Its graph optimizer fuses a constant Pad of zeros
/// into the MaxPool after it by moving the amounts into the pool's pads (ONNX Runtime 1.31, "Pad_Fusion"), but a
/// MaxPool's pads are ignored cells, not zeros: a window of negative values next to the border then returns its largest
/// negative value instead of the padded 0; and where the padding is as wide as the kernel, the fused MaxPool fails to
/// load. Keras' ResNet stems (ZeroPadding2D then MaxPooling2D, with no ReLU between) have such windows.
/// </summary>
/// <remarks>
/// Two measures, each enough for ONNX Runtime, together enough for any optimizer:
/// <list type="bullet">
/// <item>The Pad pads with -0.0 (an explicit constant_value). It compares and adds as 0, but ONNX Runtime fuses only a
/// Pad whose constant_value bytes are all zero, so the Pad stays.</item>
/// <item>After the MaxPool comes Max(pooled, mask), the mask being a constant [1, 1, H, W] with 0 where the output's
/// window covers a padded cell and negative infinity elsewhere. Where the zeros were pooled, the pool's value is already
/// at least 0 and the Max changes nothing; where an optimizer that compares values (-0.0 == 0) fused the Pad away, the
/// Max restores the 0. It costs one elementwise Max on the pooled map.</item>
/// </list>
/// </remarks>
internal static class ZeroPaddedMaxPool
{
    /// <summary>Whether <paramref name="steps"/>[<paramref name="index"/>] is a MaxPool2d directly after a ZeroPad2d that only adds cells.</summary>
    public static bool Applies(IReadOnlyList<ExportStep> steps, int index) =>
        index > 0 && index < steps.Count
        && steps[index].Module is MaxPool2d
        && steps[index - 1].Module is ZeroPad2d pad
        && ZeroPad2dExporter.Amounts(pad) is var (left, right, top, bottom)
        && Math.Min(Math.Min(left, right), Math.Min(top, bottom)) >= 0
        && left + right + top + bottom > 0;

    /// <summary>Adds the mask and the Max after the pool's output <paramref name="pooled"/>; returns the corrected value's name.</summary>
    public static string Emit(ModuleExportContext context, ExportStep padStep, ExportStep poolStep, string pooled)
    {
        var (left, right, top, bottom) = ZeroPad2dExporter.Amounts((ZeroPad2d)padStep.Module);
        var window = MaxPool2dExporter.WindowOf(poolStep.Path, (MaxPool2d)poolStep.Module);
        var (outputHeight, outputWidth) = (poolStep.OutputShape[1], poolStep.OutputShape[2]);
        var rows = TouchesPadding(window, 0, poolStep.InputShape[1], top, bottom, outputHeight);
        var columns = TouchesPadding(window, 1, poolStep.InputShape[2], left, right, outputWidth);

        var mask = new float[outputHeight * outputWidth];
        for (var row = 0; row < outputHeight; row++)
        {
            for (var column = 0; column < outputWidth; column++)
                mask[row * outputWidth + column] = rows[row] || columns[column] ? 0f : float.NegativeInfinity;
        }
        var maskName = context.Graph.AddInitializer(ModulePath.Join(poolStep.Path, "zero_padding_mask"), mask, 1, 1, outputHeight, outputWidth);
        var name = ModulePath.Join(poolStep.Path, "ZeroPadding");
        return context.Graph.AddNode("Max", name, [pooled, maskName], ModulePath.Join(name, "output"));
    }

    /// <summary>
    /// For each output position on <paramref name="axis"/>, whether its window has a tap on a zero-padded cell: the pool's
    /// input of length <paramref name="length"/> has <paramref name="zerosBefore"/> and <paramref name="zerosAfter"/> zeros
    /// at its ends, and the pool's own padding (ignored cells) outside it.
    /// </summary>
    private static bool[] TouchesPadding(SlidingWindow2d window, int axis, long length, long zerosBefore, long zerosAfter, long outputs)
    {
        var touches = new bool[outputs];
        for (var output = 0; output < outputs; output++)
        {
            var start = output * window.Stride[axis] - window.PadBegin[axis];
            for (var tap = 0; tap < window.Kernel[axis] && !touches[output]; tap++)
            {
                var position = start + tap * window.Dilation[axis];
                touches[output] = position >= 0 && position < length && (position < zerosBefore || position >= length - zerosAfter);
            }
        }
        return touches;
    }
}
