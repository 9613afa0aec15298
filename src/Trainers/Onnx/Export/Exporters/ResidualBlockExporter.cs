using MLNetDeep.Trainers.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// <see cref="ResidualBlock"/>: its main branch and its shortcut, each exported as a chain from the block's input (an
/// identity shortcut adds no node), then an Add node named after the block, then the activation. Batch norms fold within
/// each branch, never across the sum.
/// </summary>
internal sealed class ResidualBlockExporter : ModuleExporter<ResidualBlock>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, ResidualBlock module, long[] inputShape) =>
        Plan(path, module, inputShape).OutputShape;

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, ResidualBlock module, string input)
    {
        var plan = Plan(step.Path, module, step.InputShape);
        var main = SequenceExporter.Emit(context, plan.Main, input);
        var shortcut = SequenceExporter.Emit(context, plan.Shortcut, input);
        var sum = context.Graph.AddNode("Add", step.Path, [main, shortcut],
            ModulePath.Join(step.Path, plan.Activation.Count == 0 ? "output" : "sum"));
        return SequenceExporter.Emit(context, plan.Activation, sum);
    }

    /// <summary>Plans the three chains and checks that the branches agree on their output shape.</summary>
    private static BlockPlan Plan(string path, ResidualBlock module, long[] inputShape)
    {
        var main = SequenceExporter.Plan(module.Main, ModulePath.Join(path, "main"), inputShape);
        var shortcut = module.Shortcut is null ? [] : SequenceExporter.Plan(module.Shortcut, ModulePath.Join(path, "shortcut"), inputShape);
        var mainShape = SequenceExporter.OutputShape(main, inputShape);
        var shortcutShape = SequenceExporter.OutputShape(shortcut, inputShape);
        if (!mainShape.SequenceEqual(shortcutShape))
            throw ExportErrors.Unsupported(path, module,
                $"its main branch produces {BatchlessShape.Describe(mainShape)} but its shortcut {BatchlessShape.Describe(shortcutShape)} from its input "
                + $"{BatchlessShape.Describe(inputShape)}; the sum needs equal shapes, so give the shortcut a projection (e.g. a 1x1 Conv2d with the main branch's stride)");
        var activation = module.Activation is null ? [] : SequenceExporter.Plan(module.Activation, ModulePath.Join(path, "activation"), mainShape);
        return new BlockPlan(main, shortcut, activation, SequenceExporter.OutputShape(activation, mainShape));
    }

    /// <summary>The block's three chains, planned, and its output shape.</summary>
    private sealed record BlockPlan(List<ExportStep> Main, List<ExportStep> Shortcut, List<ExportStep> Activation, long[] OutputShape);
}
