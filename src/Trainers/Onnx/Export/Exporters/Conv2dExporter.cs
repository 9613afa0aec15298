using TorchSharp;
using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// Conv2d: one Conv node with torch's weight layout [out, in / groups, kH, kW], its stride, dilation and groups, and its
/// zero padding written as explicit pads (padding "same" included, whose odd remainder torch puts at the bottom and right).
/// A BatchNorm2d the fold plan assigns to the layer is already in the weight and bias. Only zero padding is exported.
/// </summary>
internal sealed class Conv2dExporter : ModuleExporter<Conv2d>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, Conv2d module, long[] inputShape)
    {
        var (channels, height, width) = BatchlessShape.Image(inputShape, path, module);
        if (channels != module.in_channels)
            throw ExportErrors.Unsupported(path, module,
                $"it expects {module.in_channels} input channels (in_channels), but receives {BatchlessShape.Describe(inputShape)}");
        var (outputHeight, outputWidth) = WindowOf(path, module).OutputSize(height, width, path, module);
        return [module.out_channels, outputHeight, outputWidth];
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, Conv2d module, string input)
    {
        var graph = context.Graph;
        var parameters = context.Folds.ParametersOf(step.Path, module);
        var weight = graph.AddInitializer(ModulePath.Join(step.Path, "weight"), parameters.Weight, parameters.WeightShape);
        string[] inputs = parameters.Bias is null
            ? [input, weight]
            : [input, weight, graph.AddInitializer(ModulePath.Join(step.Path, "bias"), parameters.Bias, parameters.Bias.Length)];

        var attributes = WindowOf(step.Path, module).Attributes(step.InputShape[1], step.InputShape[2]);
        return graph.AddNode("Conv", step.Path, inputs, ModulePath.Join(step.Path, "output"),
            [.. attributes, OnnxAttributes.Int("group", module.groups)]);
    }

    /// <summary>The convolution's window, its padding made explicit.</summary>
    /// <exception cref="NotSupportedException">The padding mode is not zeros.</exception>
    private static SlidingWindow2d WindowOf(string path, Conv2d module)
    {
        if (module.padding_mode != PaddingModes.Zeros)
            throw ExportErrors.Unsupported(path, module,
                $"padding_mode is {module.padding_mode}; only PaddingModes.Zeros is exported");
        var (begin, end) = module.padding_type switch
        {
            Padding.Same => SamePadding(module),
            Padding.Valid => ([0L, 0L], [0L, 0L]),
            _ => (module.padding!, module.padding!),
        };
        return new SlidingWindow2d(module.kernel_size, module.stride, module.dilation, begin, end, CeilMode: false);
    }

    /// <summary>
    /// padding "same" as torch computes it: dilation (kernel - 1) in all per axis, half of it (rounded down) before, the rest after.
    /// </summary>
    private static (long[] Begin, long[] End) SamePadding(Conv2d module)
    {
        var total = module.kernel_size.Select((kernel, axis) => module.dilation[axis] * (kernel - 1)).ToArray();
        var begin = total.Select(padding => padding / 2).ToArray();
        return (begin, total.Select((padding, axis) => padding - begin[axis]).ToArray());
    }
}
