using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// MaxPool2d: one MaxPool node with the kernel, stride, padding and dilation. ONNX's MaxPool ignores padded cells, as torch's
/// implicit negative-infinity padding does, so ceil_mode is written as extra end padding (see <see cref="SlidingWindow2d"/>).
/// </summary>
internal sealed class MaxPool2dExporter : ModuleExporter<MaxPool2d>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, MaxPool2d module, long[] inputShape)
    {
        var (channels, height, width) = BatchlessShape.Image(inputShape, path, module);
        var (outputHeight, outputWidth) = WindowOf(path, module).OutputSize(height, width, path, module);
        return [channels, outputHeight, outputWidth];
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, MaxPool2d module, string input) =>
        context.Graph.AddNode("MaxPool", step.Path, [input], ModulePath.Join(step.Path, "output"),
            WindowOf(step.Path, module).Attributes(step.InputShape[1], step.InputShape[2]));

    internal static SlidingWindow2d WindowOf(string path, MaxPool2d module) =>
        SlidingWindow2d.ForPooling(path, module, module.kernel_size, module.stride, module.padding, module.dilation, module.ceil_mode);
}
