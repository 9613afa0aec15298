namespace MLNetDeep.Transforms.Onnx;

/// <summary>What every module exporter may use while emitting: the graph being built, the options and the folding decisions.</summary>
/// <param name="Graph">The graph being built.</param>
/// <param name="Options">The export options, already validated.</param>
/// <param name="Folds">Which BatchNorm1d layers are folded into which Linear layers.</param>
internal sealed record ModuleExportContext(OnnxGraphBuilder Graph, OnnxExportOptions Options, BatchNormFoldPlan Folds);
