using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>ZeroPad2d: one constant Pad node. torch lists the padding (left, right, top, bottom), possibly unequal.</summary>
internal sealed class ZeroPad2dExporter : ModuleExporter<ZeroPad2d>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, ZeroPad2d module, long[] inputShape)
    {
        var (channels, height, width) = BatchlessShape.Image(inputShape, path, module);
        var (left, right, top, bottom) = Amounts(module);
        var (outputHeight, outputWidth) = (height + top + bottom, width + left + right);
        if (outputHeight < 1 || outputWidth < 1)
            throw ExportErrors.Unsupported(path, module,
                $"its negative padding crops its {height}x{width} input to nothing ({outputHeight}x{outputWidth})");
        return [channels, outputHeight, outputWidth];
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, ZeroPad2d module, string input)
    {
        var (left, right, top, bottom) = Amounts(module);
        return ImagePadding.Emit(context.Graph, step.Path, step.Path, input, ModulePath.Join(step.Path, "output"), top, left, bottom, right);
    }

    /// <summary>The Pad in front of a MaxPool2d: the same amounts, padding with -0.0 so that ONNX Runtime does not fuse it (<see cref="ZeroPaddedMaxPool"/>).</summary>
    internal static string EmitBeforeMaxPool(ModuleExportContext context, ExportStep step, string input)
    {
        var (left, right, top, bottom) = Amounts((ZeroPad2d)step.Module);
        return ImagePadding.Emit(context.Graph, step.Path, step.Path, input, ModulePath.Join(step.Path, "output"), top, left, bottom, right, negativeZero: true);
    }

    /// <summary>The padding in torch's order; a single value pads all four sides alike.</summary>
    internal static (long Left, long Right, long Top, long Bottom) Amounts(ZeroPad2d module) => module.padding switch
    {
        [var all] => (all, all, all, all),
        [var left, var right, var top, var bottom] => (left, right, top, bottom),
        var other => throw new InvalidOperationException($"ZeroPad2d has {other.Length} padding values; torch gives it 1 or 4."),
    };
}
