using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>Removes what a graph's outputs do not need: nodes, initializers, inputs and shape annotations.</summary>
internal static class OnnxGraphPruning
{
    public static void Prune(GraphProto graph)
    {
        var (kept, needed) = OnnxReachability.NodesNeededFor(graph.Node.ToList(), graph.Output.Select(o => o.Name));
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
