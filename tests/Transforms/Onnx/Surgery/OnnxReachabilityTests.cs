using Onnx;
using MLNetDeep.Transforms.Onnx.Surgery;

namespace MLNetDeep.Transforms.Tests.Onnx.Surgery;

/// <summary>The walk that pruning and the importer share: only what the outputs need, in order, and never an omitted (empty) name.</summary>
public sealed class OnnxReachabilityTests
{
    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    [Fact]
    public void OnlyTheNodesTheOutputNeedsAreKeptInOrder()
    {
        var relu = Node("Relu", ["x"], ["a"]);
        var unused = Node("Neg", ["x"], ["b"]);
        // Dropout's optional mask output is omitted: an empty name that must not make the Dropout "needed" by itself.
        var dropout = Node("Dropout", ["x"], ["c", ""]);
        var add = Node("Add", ["a", ""], ["y"]);
        var (nodes, needed) = OnnxReachability.NodesNeededFor(new[] { relu, unused, dropout, add }, new[] { "y", "" });

        Assert.Equal(new[] { relu, add }, nodes);
        Assert.Equal(new[] { "a", "x", "y" }, needed.Order(StringComparer.Ordinal));
    }
}
