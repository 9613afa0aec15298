using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Transforms.Onnx.Surgery;
using Onnx;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// What phase 2 trains: the backbone graph split at a cut tensor (<see cref="Entry"/>) into a frozen lower part (pixels
/// to the entry, run by ONNX Runtime or under no_grad) and a trained upper part (the entry to the features, imported as
/// a TorchSharp module), and the layers of the upper part that are trained.
/// </summary>
internal sealed class FineTuningPlan
{
    private FineTuningPlan(string entry, ModelProto lower, ModelProto upper, IReadOnlyList<string> trainedLayers, string description)
    {
        Entry = entry;
        Lower = lower;
        Upper = upper;
        TrainedLayers = trainedLayers;
        Description = description;
    }

    /// <summary>The tensor the trained part starts from.</summary>
    public string Entry { get; }

    /// <summary>Decoded pixels to <see cref="Entry"/>: preprocessing and the frozen blocks.</summary>
    public ModelProto Lower { get; }

    /// <summary><see cref="Entry"/> to the features; its node and initializer names are the backbone graph's.</summary>
    public ModelProto Upper { get; }

    /// <summary>The backbone layers (ONNX node names) whose weights phase 2 trains.</summary>
    public IReadOnlyList<string> TrainedLayers { get; }

    /// <summary>For the log and the checkpoint fingerprint.</summary>
    public string Description { get; }

    /// <exception cref="ArgumentException">The options ask for more blocks than the backbone has, or name a layer it does not have.</exception>
    public static FineTuningPlan Create(BackboneGraph graph, FineTuningOptions options, string backboneName)
    {
        var model = Named(graph.Model);
        var blocks = ResidualBlocks.Find(model.Graph, graph.BackboneInput);
        string entry;
        IReadOnlyList<string> trained;
        string description;
        if (options.UnfrozenLayers is { } names)
        {
            var unknown = names.Where(n => !blocks.HasLayer(n)).ToArray();
            if (unknown.Length > 0)
                throw new ArgumentException(
                    $"FineTuning.UnfrozenLayers names '{string.Join("', '", unknown)}', which the backbone '{backboneName}' does not have. " +
                    $"Its layers (ONNX nodes that own weights, bottom to top) are: {string.Join(", ", blocks.Layers)}.");
            trained = blocks.Layers.Where(names.Contains).ToArray();
            entry = blocks.EntryBefore(trained);
            description = $"layers {string.Join(", ", trained)} (from tensor '{entry}')";
        }
        else
        {
            var count = blocks.Blocks.Count;
            if (count == 0)
                throw new ArgumentException(
                    $"The backbone '{backboneName}' has no residual blocks (no Add of two computed tensors), so FineTuning.UnfrozenBlocks cannot choose layers; " +
                    $"name them with FineTuning.UnfrozenLayers (its layers: {string.Join(", ", blocks.Layers)}).");
            if (options.UnfrozenBlocks < 1 || options.UnfrozenBlocks > count)
                throw new ArgumentOutOfRangeException(nameof(options),
                    $"FineTuning.UnfrozenBlocks is {options.UnfrozenBlocks}; the backbone '{backboneName}' has {count} residual blocks, so it must be from 1 to {count}.");
            var lowest = blocks.Blocks[count - options.UnfrozenBlocks];
            entry = lowest.Entry;
            trained = blocks.LayersAfter(entry);
            description = $"the top {options.UnfrozenBlocks} of {count} residual blocks ({trained.Count} layers, from tensor '{entry}')";
        }
        return new FineTuningPlan(entry, OnnxGraphCut.CutAt(model, entry), UpperPart(model, entry), trained, description);
    }

    /// <summary>A copy in which every node has a name (<c>OpType_index</c> where the file gives none), the names layers are known by.</summary>
    private static ModelProto Named(ModelProto model)
    {
        if (model.Graph.Node.All(n => n.Name.Length > 0))
            return model;
        var copy = model.Clone();
        for (var i = 0; i < copy.Graph.Node.Count; i++)
        {
            if (copy.Graph.Node[i].Name.Length == 0)
                copy.Graph.Node[i].Name = $"{copy.Graph.Node[i].OpType}_{i}";
        }
        return copy;
    }

    /// <summary>The nodes after <paramref name="entry"/> (which is a cut: they read nothing older), with it as the graph input.</summary>
    private static ModelProto UpperPart(ModelProto model, string entry)
    {
        var graph = model.Graph;
        var at = graph.Node.Select((n, i) => (n, i)).FirstOrDefault(p => p.n.Output.Contains(entry)).i;
        if (!graph.Node.Any(n => n.Output.Contains(entry)))
            at = -1;
        var upper = new GraphProto { Name = graph.Name + "_trained" };
        upper.Node.AddRange(graph.Node.Skip(at + 1).Select(n => n.Clone()));
        var used = upper.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        upper.Initializer.AddRange(graph.Initializer.Where(i => used.Contains(i.Name)).Select(i => i.Clone()));
        upper.Input.Add(new ValueInfoProto
        {
            Name = entry,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });
        upper.Output.AddRange(graph.Output.Select(o => o.Clone()));
        var result = new ModelProto { IrVersion = model.IrVersion, Graph = upper };
        result.OpsetImport.AddRange(model.OpsetImport.Select(o => o.Clone()));
        return result;
    }
}
