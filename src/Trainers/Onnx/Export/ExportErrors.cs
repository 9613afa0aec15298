using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>The exceptions the exporter throws, worded alike: which module, of which type, and why.</summary>
internal static class ExportErrors
{
    /// <summary>The module at <paramref name="path"/> cannot be exported because of <paramref name="reason"/>.</summary>
    public static NotSupportedException Unsupported(string path, Module module, string reason) =>
        new($"Cannot export {ModulePath.Describe(path)} of type {module.GetType().Name}: {reason}.");
}
