using TorchSharp.Modules;
using MLNetDeep.Trainers.Onnx.Export.Folding;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// BatchNorm1d or BatchNorm2d in eval mode: nothing when the fold plan folded it into a neighbouring layer, otherwise one
/// BatchNormalization node over axis 1 (the channels) with the running statistics (gamma = 1 and beta = 0 for a non-affine norm).
/// </summary>
/// <typeparam name="TNorm">BatchNorm1d or BatchNorm2d.</typeparam>
/// <param name="sampleRanks">The input ranks the norm accepts, batch dimension excluded: 1 and 2 ([N, C], [N, C, L]) for BatchNorm1d, 3 ([N, C, H, W]) for BatchNorm2d.</param>
internal sealed class BatchNormExporter<TNorm>(params int[] sampleRanks) : ModuleExporter<TNorm>
    where TNorm : NormBase
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, TNorm module, long[] inputShape)
    {
        if (!module.track_running_stats || module.running_mean is null || module.running_var is null)
            throw ExportErrors.Unsupported(path, module,
                "track_running_stats is false, so even in eval mode it normalizes with each batch's own statistics; only a norm with running statistics can be exported");
        if (!sampleRanks.Contains(inputShape.Length) || inputShape[0] != module.num_features)
            throw ExportErrors.Unsupported(path, module,
                $"it expects {ExpectedShapes(module.num_features)} (num_features = {module.num_features}), but receives {BatchlessShape.Describe(inputShape)}");
        return inputShape;
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, TNorm module, string input)
    {
        if (context.Folds.IsFolded(step.Path))
            return input;

        var graph = context.Graph;
        var features = module.num_features;
        var statistics = FoldedBatchNorm.CopyOf(module);
        string[] inputs =
        [
            input,
            graph.AddInitializer(ModulePath.Join(step.Path, "weight"), statistics.Gamma, features),
            graph.AddInitializer(ModulePath.Join(step.Path, "bias"), statistics.Beta, features),
            graph.AddInitializer(ModulePath.Join(step.Path, "running_mean"), statistics.RunningMean, features),
            graph.AddInitializer(ModulePath.Join(step.Path, "running_var"), statistics.RunningVariance, features),
        ];
        return graph.AddNode("BatchNormalization", step.Path, inputs, ModulePath.Join(step.Path, "output"),
            OnnxAttributes.Float("epsilon", statistics.Epsilon));
    }

    /// <summary>The accepted input shapes, spelled out: "[N, 8] or [N, 8, L]".</summary>
    private string ExpectedShapes(long features) => string.Join(" or ", sampleRanks.Select(rank => rank switch
    {
        1 => $"[N, {features}]",
        2 => $"[N, {features}, L]",
        3 => $"[N, {features}, H, W]",
        _ => $"[N, {features}, ...] of rank {rank + 1}",
    }));
}
