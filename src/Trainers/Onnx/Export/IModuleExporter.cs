using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Turns one kind of torch module into ONNX nodes. One implementation per module type, registered in
/// <see cref="ModuleExporterRegistry"/>; shapes here exclude the batch dimension, which stays symbolic.
/// </summary>
internal interface IModuleExporter
{
    /// <summary>The exact module type handled. Subclasses are not matched, since they may override <c>forward</c>.</summary>
    Type ModuleType { get; }

    /// <summary>Whether the module computes the identity in eval mode (dropout, for example); batch-norm folding looks through these.</summary>
    bool IsEvalIdentity { get; }

    /// <summary>
    /// The module's output shape for <paramref name="inputShape"/>. This is also where the module's settings are checked,
    /// so that a network that cannot be exported fails before anything is built.
    /// </summary>
    /// <exception cref="NotSupportedException">The module, with these settings or this input, cannot be exported.</exception>
    long[] InferOutputShape(string path, Module module, long[] inputShape);

    /// <summary>Adds the module's nodes and initializers, reading <paramref name="input"/>; returns the name of the value it produces.</summary>
    string Emit(ModuleExportContext context, ExportStep step, string input);
}
