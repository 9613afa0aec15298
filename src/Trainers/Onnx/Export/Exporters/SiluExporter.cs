using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>SiLU (swish), x * sigmoid(x): a Sigmoid node and a Mul, since the ONNX opsets exported here have no Swish operator.</summary>
internal sealed class SiluExporter : ModuleExporter<SiLU>
{
    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, SiLU module, string input)
    {
        var gate = context.Graph.AddNode("Sigmoid", ModulePath.Join(step.Path, "Sigmoid"), [input], ModulePath.Join(step.Path, "sigmoid"));
        return context.Graph.AddNode("Mul", ModulePath.Join(step.Path, "Mul"), [input, gate], ModulePath.Join(step.Path, "output"));
    }
}
