using Onnx;
using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// A module that is exactly one elementwise ONNX operator, its hyperparameters becoming attributes
/// (ReLU → Relu, LeakyReLU → LeakyRelu(alpha = negative_slope), ELU → Elu(alpha), ...).
/// </summary>
/// <typeparam name="TModule">The exact module type handled.</typeparam>
/// <param name="opType">The ONNX operator.</param>
/// <param name="attributes">Reads the operator's attributes off the module; null when it has none.</param>
internal sealed class SingleOperatorExporter<TModule>(string opType, Func<TModule, AttributeProto[]>? attributes = null)
    : ModuleExporter<TModule>
    where TModule : Module
{
    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, TModule module, string input) =>
        context.Graph.AddNode(opType, step.Path, [input], ModulePath.Join(step.Path, "output"), attributes?.Invoke(module) ?? []);
}
