using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>One module of the flattened network, in execution order, with the shapes (batch dimension excluded) around it.</summary>
/// <param name="Path">The module's path, e.g. "1.0".</param>
/// <param name="Module">The module; exporters only read it.</param>
/// <param name="Exporter">The exporter registered for the module's type.</param>
/// <param name="InputShape">The shape the module receives.</param>
/// <param name="OutputShape">The shape the module produces.</param>
internal sealed record ExportStep(string Path, Module Module, IModuleExporter Exporter, long[] InputShape, long[] OutputShape);
