using Onnx;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>
/// Raises an older backbone graph (the ResNet18 featurizer is opset 8) to opset 13, the lowest the head exporter writes,
/// so that the two can be one graph. Only operators whose meaning did not change up to opset 13 are accepted; the few
/// attributes those operators lost are removed where their value was the one later opsets assume.
/// </summary>
internal static class OnnxOpsetUpgrade
{
    public const int TargetOpset = 13;

    private static readonly HashSet<string> Unchanged = new(StringComparer.Ordinal)
    {
        "Conv", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div",
        "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Concat", "Identity",
        "Gemm", "MatMul", "Transpose",
    };

    /// <summary>Changes <paramref name="model"/> in place when its default-domain opset is below <see cref="TargetOpset"/>.</summary>
    /// <exception cref="ArgumentException">The graph uses an operator whose meaning changed before opset 13, or an attribute value later opsets drop.</exception>
    public static void Upgrade(ModelProto model, string backbone)
    {
        var import = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (import is null || import.Version >= TargetOpset)
            return;
        foreach (var node in model.Graph.Node)
        {
            if (!Unchanged.Contains(node.OpType))
                throw new ArgumentException(
                    $"The backbone '{backbone}' is ONNX opset {import.Version} and uses {node.OpType} (node '{node.Name}'), whose meaning changed before opset {TargetOpset}; " +
                    $"export the backbone with opset {TargetOpset} or later.");
            if (node.OpType == "BatchNormalization")
            {
                // spatial=1 (per-channel statistics) is what opset 9 and later always do; consumed_inputs and is_test were dropped in 6 and 7.
                var spatial = node.Attribute.FirstOrDefault(a => a.Name == "spatial");
                if (spatial is not null && spatial.I != 1)
                    throw new ArgumentException($"The backbone '{backbone}' has BatchNormalization '{node.Name}' with spatial={spatial.I}, which opset {TargetOpset} cannot express.");
                foreach (var dropped in node.Attribute.Where(a => a.Name is "spatial" or "is_test" or "consumed_inputs").ToList())
                    node.Attribute.Remove(dropped);
            }
        }
        import.Version = TargetOpset;
        model.IrVersion = Math.Max(model.IrVersion, 7);
        // Before IR 4 every initializer had to be a graph input too; from then on such inputs are overridable, and
        // ONNX Runtime and ML.NET would offer them as inputs of the model.
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in model.Graph.Input.Where(i => initializers.Contains(i.Name)).ToList())
            model.Graph.Input.Remove(input);
    }
}
