using static TorchSharp.torch.nn;
using MLNetDeep.Trainers.Onnx.Export.Folding;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Plans and emits a chain of modules: the exported network itself, and each branch of a residual block. Batch norms are
/// folded within one chain only, since a norm and a layer in different branches do not see the same values.
/// </summary>
internal static class SequenceExporter
{
    /// <summary>
    /// The modules <paramref name="network"/> runs, in order, each with its exporter and shapes; fails on the first that
    /// cannot be exported.
    /// </summary>
    /// <param name="network">A Sequential (nested ones expanded) or a single module.</param>
    /// <param name="path">The path of <paramref name="network"/>; the steps' paths extend it.</param>
    /// <param name="inputShape">The shape <paramref name="network"/> receives, batch dimension excluded.</param>
    /// <exception cref="NotSupportedException">A module cannot be exported; the message names its path and type.</exception>
    public static List<ExportStep> Plan(Module network, string path, long[] inputShape)
    {
        var steps = new List<ExportStep>();
        var shape = inputShape;
        foreach (var (modulePath, module) in SequentialFlattener.Flatten(network, path))
        {
            var exporter = ModuleExporterRegistry.For(modulePath, module);
            var outputShape = exporter.InferOutputShape(modulePath, module, shape);
            steps.Add(new ExportStep(modulePath, module, exporter, shape, outputShape));
            shape = outputShape;
        }
        return steps;
    }

    /// <summary>The shape the planned chain produces: its last step's, or <paramref name="inputShape"/> when it is empty.</summary>
    public static long[] OutputShape(IReadOnlyList<ExportStep> steps, long[] inputShape) =>
        steps.Count == 0 ? inputShape : steps[^1].OutputShape;

    /// <summary>
    /// Emits the planned chain reading <paramref name="input"/>, folding its batch norms when the options say so; returns the
    /// name of the value it produces (<paramref name="input"/> itself when every step is an identity).
    /// </summary>
    public static string Emit(ModuleExportContext context, IReadOnlyList<ExportStep> steps, string input)
    {
        var folds = context.Options.FoldBatchNorm ? BatchNormFoldPlan.Create(steps) : BatchNormFoldPlan.None;
        var chainContext = context with { Folds = folds };
        var value = input;
        foreach (var step in steps)
            value = step.Exporter.Emit(chainContext, step, value);
        return value;
    }
}
