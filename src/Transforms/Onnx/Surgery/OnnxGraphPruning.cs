using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>Removes what a graph's outputs do not need: nodes, initializers, inputs and shape annotations.</summary>
internal static class OnnxGraphPruning
{
    public static void Prune(GraphProto graph)
    {
        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains))
                continue;
            kept.Add(node);
            needed.UnionWith(node.Input.Where(i => i.Length > 0));
        }
        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);

        var initializers = graph.Initializer.Where(i => needed.Contains(i.Name)).ToArray();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var inputs = graph.Input.Where(i => needed.Contains(i.Name)).ToArray();
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        var valueInfo = graph.ValueInfo.Where(v => needed.Contains(v.Name)).ToArray();
        graph.ValueInfo.Clear();
        graph.ValueInfo.AddRange(valueInfo);
    }
}
