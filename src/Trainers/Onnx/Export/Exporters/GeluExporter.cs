using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// GELU, exact or tanh-approximated. Opset 20 added a Gelu operator; for earlier opsets the formula torch uses is spelled out:
/// exact 0.5 x (1 + erf(x / √2)), tanh 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
/// </summary>
internal sealed class GeluExporter : ModuleExporter<GELU>
{
    /// <summary>The first opset with a Gelu operator.</summary>
    private const int GeluOperatorOpset = 20;

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, GELU module, string input)
    {
        var output = ModulePath.Join(step.Path, "output");
        var approximate = module.approximate == GELU.Approximate.tanh;
        if (context.Options.Opset >= GeluOperatorOpset)
            return context.Graph.AddNode("Gelu", step.Path, [input], output,
                OnnxAttributes.String("approximate", approximate ? "tanh" : "none"));

        var formula = new Formula(context.Graph, step.Path);
        var inner = approximate ? TanhTerm(formula, input) : ErfTerm(formula, input);
        var gate = formula.Apply("Add", inner, formula.Constant(1f));
        var scaled = formula.Apply("Mul", input, gate);
        return context.Graph.AddNode("Mul", ModulePath.Join(step.Path, "Mul_half"), [scaled, formula.Constant(0.5f)], output);
    }

    /// <summary>erf(x / √2).</summary>
    private static string ErfTerm(Formula formula, string x) =>
        formula.Apply("Erf", formula.Apply("Mul", x, formula.Constant((float)(1.0 / Math.Sqrt(2.0)))));

    /// <summary>tanh(√(2/π) (x + 0.044715 x³)).</summary>
    private static string TanhTerm(Formula formula, string x)
    {
        var cube = formula.Apply("Mul", formula.Apply("Mul", x, x), x);
        var cubic = formula.Apply("Add", x, formula.Apply("Mul", cube, formula.Constant(0.044715f)));
        return formula.Apply("Tanh", formula.Apply("Mul", cubic, formula.Constant((float)Math.Sqrt(2.0 / Math.PI))));
    }

    /// <summary>Emits the nodes of a spelled-out formula, numbering them so their names stay unique within the module.</summary>
    private sealed class Formula(OnnxGraphBuilder graph, string path)
    {
        private int _count;

        public string Constant(float value) => graph.ScalarConstant(value);

        public string Apply(string opType, params string[] inputs)
        {
            var name = ModulePath.Join(path, $"{opType}_{_count++}");
            return graph.AddNode(opType, name, inputs, name);
        }
    }
}
