using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// AdaptiveAvgPool2d: GlobalAveragePool for a 1x1 output; otherwise an AveragePool, when the windows torch picks are all
/// the same size and evenly spaced for this input (always so when the output size divides the input size). Other sizes are
/// refused: torch's windows would then vary in size, which no single ONNX pooling node reproduces.
/// </summary>
/// <remarks>
/// torch's window i along an axis of length L with output length n covers [floor(i L / n), ceil((i + 1) L / n)).
/// </remarks>
internal sealed class AdaptiveAvgPool2dExporter : ModuleExporter<AdaptiveAvgPool2d>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, AdaptiveAvgPool2d module, long[] inputShape)
    {
        var (channels, height, width) = BatchlessShape.Image(inputShape, path, module);
        var (outputHeight, outputWidth) = OutputSizeOf(module);
        if (!IsGlobal(module))
        {
            Windows(path, module, height, outputHeight);
            Windows(path, module, width, outputWidth);
        }
        return [channels, outputHeight, outputWidth];
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, AdaptiveAvgPool2d module, string input)
    {
        var output = ModulePath.Join(step.Path, "output");
        if (IsGlobal(module))
            return context.Graph.AddNode("GlobalAveragePool", step.Path, [input], output);

        var (outputHeight, outputWidth) = OutputSizeOf(module);
        var rows = Windows(step.Path, module, step.InputShape[1], outputHeight);
        var columns = Windows(step.Path, module, step.InputShape[2], outputWidth);
        return context.Graph.AddNode("AveragePool", step.Path, [input], output,
            OnnxAttributes.Ints("kernel_shape", rows.Size, columns.Size),
            OnnxAttributes.Ints("strides", rows.Stride, columns.Stride));
    }

    private static bool IsGlobal(AdaptiveAvgPool2d module) => OutputSizeOf(module) == (1, 1);

    /// <summary>The output height and width; a single value serves both, as in torch.</summary>
    private static (long Height, long Width) OutputSizeOf(AdaptiveAvgPool2d module) => module.output_size switch
    {
        [var size] => (size, size),
        [var height, var width] => (height, width),
        var other => throw new InvalidOperationException($"AdaptiveAvgPool2d has {other.Length} output sizes; torch gives it 1 or 2."),
    };

    /// <summary>The common size and spacing of torch's windows along an axis of <paramref name="input"/> cells.</summary>
    /// <exception cref="NotSupportedException">The windows differ in size or spacing.</exception>
    private static (long Size, long Stride) Windows(string path, AdaptiveAvgPool2d module, long input, long output)
    {
        long Start(long i) => i * input / output;
        long End(long i) => ((i + 1) * input + output - 1) / output;

        var size = End(0) - Start(0);
        var stride = output == 1 ? 1 : Start(1) - Start(0);
        for (long i = 0; i < output; i++)
        {
            if (End(i) - Start(i) != size || Start(i) != i * stride)
                throw ExportErrors.Unsupported(path, module,
                    $"its output size [{string.Join(", ", module.output_size)}] splits an axis of {input} cells into {output} windows of unequal size or spacing, "
                    + "which no single ONNX pooling node reproduces; only 1x1 (global pooling) and sizes whose windows come out even (e.g. dividing the input size) are exported");
        }
        return (size, stride);
    }
}
