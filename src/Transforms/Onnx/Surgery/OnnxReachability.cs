using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>
/// Which nodes of a graph some outputs depend on: the one walk behind pruning a graph (<see cref="OnnxGraphPruning"/>)
/// and compiling only what the chosen output needs (the importer in MLNetDeep.Pretrained).
/// </summary>
internal static class OnnxReachability
{
    /// <summary>
    /// The nodes of <paramref name="ordered"/> (in topological order) that <paramref name="outputs"/> depend on, in
    /// the same order, and the names of every tensor they read or write on the way (the outputs included). Empty
    /// names (ONNX's omitted optional inputs and outputs) never count.
    /// </summary>
    public static (List<NodeProto> Nodes, HashSet<string> Needed) NodesNeededFor(IReadOnlyList<NodeProto> ordered, IEnumerable<string> outputs)
    {
        var needed = new HashSet<string>(outputs.Where(o => o.Length > 0), StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        for (var i = ordered.Count - 1; i >= 0; i--)
        {
            if (!ordered[i].Output.Any(needed.Contains))
                continue;
            kept.Add(ordered[i]);
            needed.UnionWith(ordered[i].Input.Where(name => name.Length > 0));
        }
        kept.Reverse();
        return (kept, needed);
    }
}
