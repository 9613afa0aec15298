using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// A module that is the identity in eval mode (Identity, and every dropout: exported graphs are for inference). It emits no
/// node; the value flows straight on to the next module.
/// </summary>
/// <typeparam name="TModule">The exact module type handled.</typeparam>
internal sealed class EvalIdentityExporter<TModule> : ModuleExporter<TModule>
    where TModule : Module
{
    /// <inheritdoc />
    public override bool IsEvalIdentity => true;

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, TModule module, string input) => input;
}
