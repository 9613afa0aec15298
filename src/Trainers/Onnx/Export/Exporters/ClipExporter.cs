using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// A module that clamps to a fixed range (ReLU6 to [0, 6]): one Clip node, its bounds given as scalar inputs, the form
/// opset 11 and later require.
/// </summary>
/// <remarks>
/// Hardtanh is deliberately not registered: TorchSharp 0.107's Hardtanh module returns its input unclamped, so a Clip node
/// would not compute what the trained network computes.
/// </remarks>
/// <typeparam name="TModule">The exact module type handled.</typeparam>
/// <param name="boundsOf">Reads the lower and upper bound off the module.</param>
internal sealed class ClipExporter<TModule>(Func<TModule, (double Min, double Max)> boundsOf) : ModuleExporter<TModule>
    where TModule : Module
{
    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, TModule module, string input)
    {
        var (min, max) = boundsOf(module);
        var graph = context.Graph;
        return graph.AddNode("Clip", step.Path, [input, graph.ScalarConstant((float)min), graph.ScalarConstant((float)max)],
            ModulePath.Join(step.Path, "output"));
    }
}
