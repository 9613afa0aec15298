using System.Globalization;
using Onnx;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Accumulates the nodes and initializers of one ONNX graph in topological order. Every value name is checked to be new,
/// so two exporters can never silently write to the same value.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _scalarConstants = new();

    /// <summary>Starts an empty graph called <paramref name="graphName"/>.</summary>
    public OnnxGraphBuilder(string graphName) => _graph = new GraphProto { Name = graphName };

    /// <summary>Declares a float32 graph input shaped [N, <paramref name="sampleShape"/>...], N being the symbolic batch dimension.</summary>
    public string AddInput(string name, IReadOnlyList<long> sampleShape)
    {
        Reserve(name);
        _graph.Input.Add(BatchedFloatValueInfo(name, sampleShape));
        return name;
    }

    /// <summary>
    /// Makes <paramref name="value"/> the graph output under <paramref name="name"/>, shaped [N, <paramref name="sampleShape"/>...].
    /// The producing node's output is renamed when it is the last node's; otherwise (the value is the graph input, when
    /// every module was an identity) an Identity node copies it.
    /// </summary>
    public void SetOutput(string value, string name, IReadOnlyList<long> sampleShape)
    {
        var lastNode = _graph.Node.Count == 0 ? null : _graph.Node[^1];
        if (lastNode != null && lastNode.Output.Count == 1 && lastNode.Output[0] == value)
        {
            Reserve(name);
            lastNode.Output[0] = name;
        }
        else
        {
            AddNode("Identity", name, [value], name);
        }
        _graph.Output.Add(BatchedFloatValueInfo(name, sampleShape));
    }

    /// <summary>Adds a float32 initializer and returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        Reserve(name);
        _graph.Initializer.Add(OnnxTensors.FromFloats(name, values, dims));
        return name;
    }

    /// <summary>Adds an int64 initializer (a Reshape target shape, for example) and returns its name.</summary>
    public string AddInt64Initializer(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        Reserve(name);
        _graph.Initializer.Add(OnnxTensors.FromInt64s(name, values, dims));
        return name;
    }

    /// <summary>A float32 scalar initializer holding <paramref name="value"/>, shared by every node that needs the same constant.</summary>
    public string ScalarConstant(float value)
    {
        if (_scalarConstants.TryGetValue(value, out var existing))
            return existing;
        var name = "constant." + value.ToString("R", CultureInfo.InvariantCulture);
        AddInitializer(name, [value]);
        _scalarConstants.Add(value, name);
        return name;
    }

    /// <summary>Appends a node with one output, named <paramref name="output"/>, and returns that name.</summary>
    /// <param name="opType">The ONNX operator (default domain).</param>
    /// <param name="nodeName">The node's name; the module path, with a suffix where one module becomes several nodes.</param>
    /// <param name="inputs">The input value names, in the operator's order.</param>
    /// <param name="output">The new value the node produces.</param>
    /// <param name="attributes">The operator's attributes.</param>
    public string AddNode(string opType, string nodeName, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
    {
        Reserve(output);
        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>The finished graph. The builder must not be used afterwards.</summary>
    public GraphProto Build() => _graph;

    private void Reserve(string name)
    {
        if (!_valueNames.Add(name))
            throw new InvalidOperationException(
                $"The ONNX value name '{name}' is produced twice. Choose export input and output names that differ from the module-derived names.");
    }

    private static ValueInfoProto BatchedFloatValueInfo(string name, IReadOnlyList<long> sampleShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (var dim in sampleShape)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
