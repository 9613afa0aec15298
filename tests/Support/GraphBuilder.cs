using Google.Protobuf;
using Onnx;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Tests.Support;

/// <summary>Builds small ONNX graphs in tests, the way exporters write them.</summary>
internal sealed class GraphBuilder
{
    private readonly GraphProto _graph = new() { Name = "test" };
    private int _nodes;

    public GraphBuilder Input(string name, params long[] shape)
    {
        _graph.Input.Add(ValueInfo(name, shape));
        return this;
    }

    /// <summary>An input whose first dimension is the symbolic <paramref name="batchParam"/>.</summary>
    public GraphBuilder DynamicInput(string name, string batchParam, params long[] rest)
    {
        var info = ValueInfo(name, [1, .. rest]);
        info.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = batchParam };
        _graph.Input.Add(info);
        return this;
    }

    /// <summary>An output whose first dimension is the symbolic <paramref name="batchParam"/>.</summary>
    public GraphBuilder DynamicOutput(string name, string batchParam, params long[] rest)
    {
        var info = ValueInfo(name, [1, .. rest]);
        info.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = batchParam };
        _graph.Output.Add(info);
        return this;
    }

    public GraphBuilder Output(string name, params long[] shape)
    {
        var info = ValueInfo(name, shape);
        if (shape.Length == 0)
            info.Type.TensorType.Shape = null;
        _graph.Output.Add(info);
        return this;
    }

    public GraphBuilder Initializer(string name, float[] values, params long[] shape)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape);
        tensor.FloatData.AddRange(values);
        _graph.Initializer.Add(tensor);
        return this;
    }

    public GraphBuilder Initializer(string name, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return this;
    }

    public GraphBuilder RandomInitializer(string name, Random random, params long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        return Initializer(name, Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * 0.5f).ToArray(), shape);
    }

    public GraphBuilder Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodes++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    public ModelProto Build(long opset, long irVersion = 7)
    {
        var model = new ModelProto { IrVersion = irVersion, ProducerName = "MLNetDeep.Tests", Graph = _graph.Clone() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static ValueInfoProto ValueInfo(string name, long[] shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto() };
        foreach (var dim in shape)
            tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
