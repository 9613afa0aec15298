using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Folding;

/// <summary>
/// Decides which batch norms of one chain of modules disappear into a neighbouring layer, and gives that layer's folded
/// parameters. "Directly" below means with only eval-identity modules (dropout, Identity) in between.
/// <list type="bullet">
/// <item>A BatchNorm1d on [N, C] folds into the Linear directly before it; failing that, into the Linear directly after it (an
/// input batch norm, or one placed after the activation). On [N, C, L], Linear acts on L but the norm on C, so it stays a node.</item>
/// <item>A BatchNorm2d folds into the Conv2d directly before it. Never into a following one: the convolution's zero padding
/// would be padding the normalized values, which a fold into its weights cannot reproduce at the borders.</item>
/// </list>
/// Anything else stays a BatchNormalization node.
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

    /// <summary>Plans the folds for one chain of modules (a network, or a branch of a residual block), in execution order.</summary>
    public static BatchNormFoldPlan Create(IReadOnlyList<ExportStep> steps)
    {
        var plan = new BatchNormFoldPlan();
        for (var i = 0; i < steps.Count; i++)
        {
            var target = steps[i].Module switch
            {
                BatchNorm1d when steps[i].InputShape.Length == 1 => LinearTarget(steps, i, plan),
                BatchNorm2d when NearestComputingStep(steps, i, -1) is { Module: Conv2d } previous => (previous.Path, plan._outputFolds),
                _ => null,
            };
            if (target is not { } layer)
                continue;
            var fold = new Fold(steps[i].Path, FeatureAffine.Of(FoldedBatchNorm.CopyOf((NormBase)steps[i].Module)));
            layer.Folds.Add(layer.LayerPath, fold);
            plan._foldedBatchNorms.Add(fold.BatchNormPath);
        }
        return plan;
    }

    /// <summary>Whether the batch norm at <paramref name="batchNormPath"/> is folded away (it then emits nothing).</summary>
    public bool IsFolded(string batchNormPath) => _foldedBatchNorms.Contains(batchNormPath);

    /// <summary>A copy of the parameters of <paramref name="convolution"/> with the batch norm planned for it folded in.</summary>
    public ConvolutionParameters ParametersOf(string convolutionPath, Conv2d convolution)
    {
        var parameters = ConvolutionParameters.CopyOf(convolution);
        if (_outputFolds.TryGetValue(convolutionPath, out var after))
            parameters.FoldOutput(after.Affine);
        return parameters;
    }

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

    /// <summary>
    /// The Linear a BatchNorm1d on [N, C] at <paramref name="index"/> folds into, with the folds of <paramref name="plan"/> it
    /// joins: the one directly before (its output), else the one directly after (its input); null when there is none.
    /// </summary>
    private static (string LayerPath, Dictionary<string, Fold> Folds)? LinearTarget(IReadOnlyList<ExportStep> steps, int index, BatchNormFoldPlan plan)
    {
        if (NearestComputingStep(steps, index, -1) is { Module: Linear } previous)
            return (previous.Path, plan._outputFolds);
        if (NearestComputingStep(steps, index, +1) is { Module: Linear } next)
            return (next.Path, plan._inputFolds);
        return null;
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
