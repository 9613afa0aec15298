using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>Base for exporters of one module type: does the casts, and keeps the input shape for elementwise modules.</summary>
/// <typeparam name="TModule">The exact module type handled.</typeparam>
internal abstract class ModuleExporter<TModule> : IModuleExporter
    where TModule : Module
{
    /// <inheritdoc />
    public Type ModuleType => typeof(TModule);

    /// <inheritdoc />
    public virtual bool IsEvalIdentity => false;

    /// <inheritdoc />
    public long[] InferOutputShape(string path, Module module, long[] inputShape) =>
        InferOutputShape(path, (TModule)module, inputShape);

    /// <inheritdoc />
    public string Emit(ModuleExportContext context, ExportStep step, string input) =>
        Emit(context, step, (TModule)step.Module, input);

    /// <summary>The typed <see cref="IModuleExporter.InferOutputShape"/>; elementwise modules keep the default, the input shape.</summary>
    protected virtual long[] InferOutputShape(string path, TModule module, long[] inputShape) => inputShape;

    /// <summary>The typed <see cref="IModuleExporter.Emit"/>.</summary>
    protected abstract string Emit(ModuleExportContext context, ExportStep step, TModule module, string input);
}
