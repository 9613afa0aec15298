using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// PReLU: one PRelu node. ONNX broadcasts the slope from the last axis, torch applies it along axis 1 (channels), so a
/// per-channel slope is shaped [C, 1, ...] with one 1 per axis after the channels; a single slope is shaped [1].
/// </summary>
internal sealed class PReluExporter : ModuleExporter<PReLU>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, PReLU module, long[] inputShape)
    {
        if (module.num_parameters != 1 && (inputShape.Length == 0 || inputShape[0] != module.num_parameters))
            throw ExportErrors.Unsupported(path, module,
                $"it has num_parameters = {module.num_parameters} slopes for dimension 1, but receives {BatchlessShape.Describe(inputShape)}");
        return inputShape;
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, PReLU module, string input)
    {
        long[] slopeShape = module.num_parameters == 1
            ? [1]
            : [module.num_parameters, .. Enumerable.Repeat(1L, step.InputShape.Length - 1)];
        var slope = context.Graph.AddInitializer(
            ModulePath.Join(step.Path, "weight"), TorchTensorCopy.ToFloats(module.weight), slopeShape);
        return context.Graph.AddNode("PRelu", step.Path, [input, slope], ModulePath.Join(step.Path, "output"));
    }
}
