using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// Flatten: ONNX Flatten(axis = 1) for the usual start_dim = 1, end_dim = -1, which makes [N, everything]; otherwise a
/// Reshape to the merged shape, its leading 0 copying the batch dimension. Flattening the batch dimension itself is refused:
/// the exported output must stay [N, ...].
/// </summary>
internal sealed class FlattenExporter : ModuleExporter<Flatten>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, Flatten module, long[] inputShape)
    {
        var (start, end) = Range(path, module, inputShape);
        long merged = 1;
        for (var axis = start; axis <= end; axis++)
            merged *= inputShape[axis - 1];
        return [.. inputShape[..(start - 1)], merged, .. inputShape[end..]];
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, Flatten module, string input)
    {
        var output = ModulePath.Join(step.Path, "output");
        var (start, end) = Range(step.Path, module, step.InputShape);
        if (start == 1 && end == step.InputShape.Length)
            return context.Graph.AddNode("Flatten", step.Path, [input], output, OnnxAttributes.Int("axis", 1));

        long[] target = [0, .. step.OutputShape];
        var shape = context.Graph.AddInt64Initializer(ModulePath.Join(step.Path, "shape"), target, target.Length);
        return context.Graph.AddNode("Reshape", step.Path, [input, shape], output);
    }

    /// <summary>start_dim and end_dim as axes of the batched tensor.</summary>
    private static (int Start, int End) Range(string path, Flatten module, long[] inputShape)
    {
        var start = BatchlessShape.NormalizeDim(module.start_dim, inputShape, path, module);
        var end = BatchlessShape.NormalizeDim(module.end_dim, inputShape, path, module);
        if (start == 0)
            throw ExportErrors.Unsupported(path, module,
                "start_dim 0 merges the batch dimension into the features; exported graphs keep it as dimension N, so use start_dim >= 1");
        if (start > end)
            throw ExportErrors.Unsupported(path, module,
                $"start_dim {module.start_dim} comes after end_dim {module.end_dim} for its input shaped {BatchlessShape.Describe(inputShape)}");
        return (start, end);
    }
}
