using TorchSharp.Modules;

namespace MLNetDeep.Transforms.Onnx;

/// <summary>
/// BatchNorm1d in eval mode: nothing when the fold plan folded it into a Linear, otherwise one BatchNormalization node over
/// axis 1 with the running statistics (gamma = 1 and beta = 0 for a non-affine norm).
/// </summary>
internal sealed class BatchNorm1dExporter : ModuleExporter<BatchNorm1d>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, BatchNorm1d module, long[] inputShape)
    {
        if (!module.track_running_stats || module.running_mean is null || module.running_var is null)
            throw ExportErrors.Unsupported(path, module,
                "track_running_stats is false, so even in eval mode it normalizes with each batch's own statistics; only a norm with running statistics can be exported");
        if (inputShape.Length is not (1 or 2) || inputShape[0] != module.num_features)
            throw ExportErrors.Unsupported(path, module,
                $"it expects [N, {module.num_features}] or [N, {module.num_features}, L] (num_features = {module.num_features}), but receives {SampleShape.Describe(inputShape)}");
        return inputShape;
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, BatchNorm1d module, string input)
    {
        if (context.Folds.IsFolded(step.Path))
            return input;

        var graph = context.Graph;
        var features = module.num_features;
        var statistics = BatchNormStatistics.CopyOf(module);
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
}
