using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// AvgPool2d: one AveragePool node, ceil_mode written as extra end padding (see <see cref="SlidingWindow2d"/>).
/// </summary>
/// <remarks>
/// torch divides each window's sum by the cells it covers within the input and, with count_include_pad, within the declared
/// padding too, but never by the cells a ceil-mode window reaches beyond that padding. Written as end padding, that overflow
/// would count under ONNX's count_include_pad like the declared padding, so where a window overflows the node excludes
/// padding, and declared padding that must count becomes real zeros from a Pad node in front.
/// </remarks>
internal sealed class AvgPool2dExporter : ModuleExporter<AvgPool2d>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, AvgPool2d module, long[] inputShape)
    {
        if (module.divisor_override is { } divisor)
            throw ExportErrors.Unsupported(path, module,
                $"divisor_override ({divisor}) has no ONNX AveragePool equivalent; leave it unset to divide by the cells each window covers");
        var (channels, height, width) = BatchlessShape.Image(inputShape, path, module);
        var (outputHeight, outputWidth) = WindowOf(path, module).OutputSize(height, width, path, module);
        return [channels, outputHeight, outputWidth];
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, AvgPool2d module, string input)
    {
        var window = WindowOf(step.Path, module);
        var (height, width) = (step.InputShape[1], step.InputShape[2]);
        var output = ModulePath.Join(step.Path, "output");
        var overflows = window.CeilOverflow(0, height) > 0 || window.CeilOverflow(1, width) > 0;
        var padded = window.PadBegin.Any(padding => padding > 0);
        if (!(overflows && padded && module.count_include_pad))
            return AveragePool(context, step.Path, input, output, window, height, width, countIncludePad: module.count_include_pad && !overflows);

        var (top, left) = (window.PadBegin[0], window.PadBegin[1]);
        var zeros = ImagePadding.Emit(context.Graph, step.Path, ModulePath.Join(step.Path, "Pad"), input,
            ModulePath.Join(step.Path, "padded"), top, left, top, left);
        var unpadded = window with { PadBegin = [0, 0], PadEnd = [0, 0] };
        return AveragePool(context, ModulePath.Join(step.Path, "AveragePool"), zeros, output, unpadded, height + 2 * top, width + 2 * left, countIncludePad: false);
    }

    private static string AveragePool(
        ModuleExportContext context, string nodeName, string input, string output, SlidingWindow2d window, long height, long width, bool countIncludePad) =>
        context.Graph.AddNode("AveragePool", nodeName, [input], output,
            [.. window.Attributes(height, width), OnnxAttributes.Int("count_include_pad", countIncludePad ? 1 : 0)]);

    private static SlidingWindow2d WindowOf(string path, AvgPool2d module) =>
        SlidingWindow2d.ForPooling(path, module, module.kernel_size, module.stride, module.padding, dilation: null, module.ceil_mode);
}
