using MLNetDeep.Trainers.Onnx.Export.Folding;
namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>What every module exporter may use while emitting: the graph being built, the options and the folding decisions.</summary>
/// <param name="Graph">The graph being built.</param>
/// <param name="Options">The export options, already validated.</param>
/// <param name="Folds">
/// Which batch norms of the chain being emitted are folded into which Linear or Conv2d layers; <see cref="SequenceExporter"/>
/// sets it for each chain (the network, or one branch of a residual block).
/// </param>
internal sealed record ModuleExportContext(OnnxGraphBuilder Graph, OnnxExportOptions Options, BatchNormFoldPlan Folds);
