using TorchSharp.Modules;

namespace MLNetDeep.Transforms.Onnx;

/// <summary>
/// Decides which BatchNorm1d layers disappear into a Linear layer, and gives that layer's folded parameters.
/// A batch norm on [N, C] folds into the Linear directly before it when only eval-identity modules (dropout, Identity) stand
/// between them; failing that, into the Linear directly after it under the same rule (an input batch norm, or one placed
/// after the activation). Anything else, and batch norms on [N, C, L], where Linear acts on L but the norm on C, stay nodes.
/// </summary>
internal sealed class BatchNormFoldPlan
{
    private readonly HashSet<string> _foldedBatchNorms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fold> _inputFolds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fold> _outputFolds = new(StringComparer.Ordinal);

    private BatchNormFoldPlan()
    {
    }

    /// <summary>A plan that folds nothing (<see cref="OnnxExportOptions.FoldBatchNorm"/> off).</summary>
    public static BatchNormFoldPlan None { get; } = new();

    /// <summary>Plans the folds for the modules of one network, in execution order.</summary>
    public static BatchNormFoldPlan Create(IReadOnlyList<ExportStep> steps)
    {
        var plan = new BatchNormFoldPlan();
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Module is not BatchNorm1d batchNorm || steps[i].InputShape.Length != 1)
                continue;
            var fold = new Fold(steps[i].Path, FeatureAffine.Of(BatchNormStatistics.CopyOf(batchNorm)));
            if (NearestComputingStep(steps, i, -1) is { Module: Linear } previous)
                plan._outputFolds.Add(previous.Path, fold);
            else if (NearestComputingStep(steps, i, +1) is { Module: Linear } next)
                plan._inputFolds.Add(next.Path, fold);
            else
                continue;
            plan._foldedBatchNorms.Add(fold.BatchNormPath);
        }
        return plan;
    }

    /// <summary>Whether the batch norm at <paramref name="batchNormPath"/> is folded away (it then emits nothing).</summary>
    public bool IsFolded(string batchNormPath) => _foldedBatchNorms.Contains(batchNormPath);

    /// <summary>A copy of the parameters of <paramref name="linear"/> with the batch norms planned for it folded in.</summary>
    public LinearParameters ParametersOf(string linearPath, Linear linear)
    {
        var parameters = LinearParameters.CopyOf(linear);
        if (_inputFolds.TryGetValue(linearPath, out var before))
            parameters.FoldInput(before.Affine);
        if (_outputFolds.TryGetValue(linearPath, out var after))
            parameters.FoldOutput(after.Affine);
        return parameters;
    }

    /// <summary>The step next to <paramref name="from"/> in <paramref name="direction"/> that is not an eval-mode identity.</summary>
    private static ExportStep? NearestComputingStep(IReadOnlyList<ExportStep> steps, int from, int direction)
    {
        for (var i = from + direction; i >= 0 && i < steps.Count; i += direction)
        {
            if (!steps[i].Exporter.IsEvalIdentity)
                return steps[i];
        }
        return null;
    }

    private sealed record Fold(string BatchNormPath, FeatureAffine Affine);
}
