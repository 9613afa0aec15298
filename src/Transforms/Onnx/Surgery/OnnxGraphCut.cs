using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>Cuts a graph at an intermediate tensor, for example to take features from inside a backbone.</summary>
public static class OnnxGraphCut
{
    /// <summary>
    /// Returns a copy of <paramref name="model"/> whose only output is <paramref name="tensorName"/>, without the
    /// nodes, initializers and inputs that tensor does not depend on.
    /// </summary>
    /// <param name="model">The model; it is not changed.</param>
    /// <param name="tensorName">The tensor (a node output, or a graph input) that becomes the output.</param>
    /// <returns>The cut model.</returns>
    /// <exception cref="ArgumentException">No node produces <paramref name="tensorName"/>.</exception>
    public static ModelProto CutAt(ModelProto model, string tensorName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(tensorName);
        var graph = model.Graph;
        var produced = graph.Node.Any(n => n.Output.Contains(tensorName)) || graph.Input.Any(i => i.Name == tensorName);
        if (!produced)
            throw new ArgumentException(
                $"No node of graph '{graph.Name}' produces a tensor named '{tensorName}' (it has {graph.Node.Count} nodes; outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}).",
                nameof(tensorName));

        var copy = model.Clone();
        var output = OnnxValueTypes.Describe(copy.Graph, tensorName);
        copy.Graph.Output.Clear();
        copy.Graph.Output.Add(output);
        if (copy.Graph.ValueInfo.FirstOrDefault(v => v.Name == tensorName) is { } annotation)
            copy.Graph.ValueInfo.Remove(annotation);
        OnnxGraphPruning.Prune(copy.Graph);
        return copy;
    }
}
