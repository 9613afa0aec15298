using MLNetDeep.Pretrained.Onnx.Import;
using Onnx;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// The residual blocks of a backbone graph, found from the graph alone, so any ResNet-like ONNX works (the ResNet18
/// featurizer, a user's file, the ResNet50V2 export). A <em>cut</em> is a tensor every later node reaches the input
/// through: nothing after it reads a tensor computed before it. A residual addition is an Add (or Sum) of two
/// computed tensors. Block <c>i</c> runs from the cut before its addition (block 1) or block <c>i − 1</c>'s exit, to
/// its exit: the first cut at or after its addition (the addition itself, or the Relu after it). Unfreezing the top
/// blocks trains everything after the lowest unfrozen block's entry, including layers after the last block (such as
/// ResNet50V2's final BatchNormalization).
/// </summary>
internal sealed class ResidualBlocks
{
    private static readonly HashSet<string> Activations = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Clip", "Softplus", "Mish", "Gelu",
    };

    private readonly Dictionary<string, int> _layerPosition;
    private readonly List<(string Tensor, int Position)> _cuts;

    private ResidualBlocks(IReadOnlyList<ResidualBlock> blocks, Dictionary<string, int> layerPosition, List<(string, int)> cuts)
    {
        Blocks = blocks;
        _layerPosition = layerPosition;
        _cuts = cuts;
    }

    /// <summary>The blocks, bottom to top.</summary>
    public IReadOnlyList<ResidualBlock> Blocks { get; }

    /// <summary>The backbone's layers (nodes that own weights), in graph order: the names <c>UnfrozenLayers</c> accepts.</summary>
    public IReadOnlyList<string> Layers => _layerPosition.OrderBy(p => p.Value).Select(p => p.Key).ToArray();

    /// <summary>Finds the blocks among the nodes after <paramref name="backboneInput"/> (the preprocessing's output).</summary>
    /// <param name="graph">The backbone graph, nodes in topological order, every node named.</param>
    /// <param name="backboneInput">The tensor the backbone proper starts at.</param>
    public static ResidualBlocks Find(GraphProto graph, string backboneInput)
    {
        var nodes = graph.Node;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var producedAt = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
            foreach (var output in nodes[i].Output.Where(o => o.Length > 0))
                producedAt[output] = i;
        var start = producedAt.GetValueOrDefault(backboneInput, -1);

        // Computed tensors depend on the backbone input; a node reading only constants is a constant too.
        var position = new Dictionary<string, int>(StringComparer.Ordinal) { [backboneInput] = start };
        var edges = new List<(int From, string Tensor, int To)>();
        var layers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = start + 1; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var computed = node.Input.Where(position.ContainsKey).ToArray();
            if (computed.Length == 0)
                continue;
            foreach (var input in computed)
                edges.Add((position[input], input, i));
            foreach (var output in node.Output.Where(o => o.Length > 0))
                position[output] = i;
            for (var k = 0; k < node.Input.Count; k++)
            {
                if (!initializers.Contains(node.Input[k]))
                    continue;
                var other = node.Input.Count == 2 ? node.Input[1 - k] : null;
                var producer = other is not null && producedAt.TryGetValue(other, out var p) ? nodes[p].OpType : null;
                if (OnnxOperatorSet.IsLearnableInput(node.OpType, k, producer))
                    layers.TryAdd(node.Name, i);
            }
        }

        var cuts = new List<(string, int)> { (backboneInput, start) };
        foreach (var (tensor, at) in position.Where(p => p.Value > start).OrderBy(p => p.Value))
        {
            if (!edges.Any(e => e.From <= at && e.To > at && e.Tensor != tensor))
                cuts.Add((tensor, at));
        }

        var additions = Enumerable.Range(start + 1, Math.Max(0, nodes.Count - start - 1))
            .Where(i => nodes[i].OpType is "Add" or "Sum" && nodes[i].Input.Count(position.ContainsKey) >= 2 && nodes[i].Input.All(t => position.ContainsKey(t) || !initializers.Contains(t)))
            .ToArray();
        var blocks = new List<ResidualBlock>();
        foreach (var add in additions)
        {
            var exit = cuts.FirstOrDefault(c => c.Item2 >= add);
            if (exit.Item1 is null || blocks.Count > 0 && blocks[^1].ExitPosition >= exit.Item2)
                continue;
            // The activation right after the addition (ResNet's Relu) closes the block; a pre-activation network's next BatchNormalization does not.
            for (var next = exit.Item2 + 1; next < nodes.Count && Activations.Contains(nodes[next].OpType) && nodes[next].Input.Count(position.ContainsKey) == 1
                && nodes[next].Input.Contains(exit.Item1) && cuts.FirstOrDefault(c => c.Item2 == next) is { Item1: not null } after; next++)
                exit = after;
            var entry = blocks.Count > 0 ? (blocks[^1].Exit, blocks[^1].ExitPosition) : cuts.Last(c => c.Item2 < add);
            var blockLayers = layers.Where(l => l.Value > entry.Item2 && l.Value <= exit.Item2).OrderBy(l => l.Value).Select(l => l.Key).ToArray();
            blocks.Add(new ResidualBlock(blocks.Count + 1, entry.Item1, exit.Item1, exit.Item2, blockLayers));
        }
        return new ResidualBlocks(blocks, layers, cuts);
    }

    /// <summary>Every layer after the cut <paramref name="entry"/>: what unfreezing the blocks from there trains.</summary>
    public IReadOnlyList<string> LayersAfter(string entry)
    {
        var at = _cuts.First(c => c.Tensor == entry).Position;
        return _layerPosition.Where(l => l.Value > at).OrderBy(l => l.Value).Select(l => l.Key).ToArray();
    }

    /// <summary>The latest cut before every one of <paramref name="layers"/>: what the trained part of the network starts from.</summary>
    public string EntryBefore(IEnumerable<string> layers)
    {
        var first = layers.Min(l => _layerPosition[l]);
        return _cuts.Last(c => c.Position < first).Tensor;
    }

    /// <summary>Whether <paramref name="layer"/> is a backbone layer.</summary>
    public bool HasLayer(string layer) => _layerPosition.ContainsKey(layer);
}

/// <summary>One residual block: the tensor it reads, the tensor it writes (a cut), and its layers.</summary>
/// <param name="Number">1 for the bottom block.</param>
/// <param name="Entry">The cut the block starts from.</param>
/// <param name="Exit">The cut the block ends with.</param>
/// <param name="ExitPosition">The position of <paramref name="Exit"/>'s producer among the graph's nodes.</param>
/// <param name="Layers">The block's layers (nodes that own weights).</param>
internal sealed record ResidualBlock(int Number, string Entry, string Exit, int ExitPosition, IReadOnlyList<string> Layers);
