using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>
/// Finds the declared type of a tensor in a graph, so that it can become a graph output (ONNX requires outputs to
/// have a type): from <c>value_info</c>, inputs or outputs when annotated, else its element type from the node
/// that produces it (the type of that node's first input, which holds for the ops of image networks; Shape gives
/// int64, Cast its target).
/// </summary>
internal static class OnnxValueTypes
{
    public static ValueInfoProto Describe(GraphProto graph, string tensorName)
    {
        var known = graph.ValueInfo.Concat(graph.Input).Concat(graph.Output).FirstOrDefault(v => v.Name == tensorName && v.Type is not null);
        if (known is not null)
            return known.Clone();
        var elementType = ElementType(graph, tensorName, depth: 0);
        return new ValueInfoProto
        {
            Name = tensorName,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType } },
        };
    }

    private static TensorProto.Types.DataType ElementType(GraphProto graph, string tensorName, int depth)
    {
        var declared = graph.ValueInfo.Concat(graph.Input).Concat(graph.Output).FirstOrDefault(v => v.Name == tensorName)?.Type?.TensorType;
        if (declared is not null && declared.ElemType != 0)
            return (TensorProto.Types.DataType)declared.ElemType;
        if (graph.Initializer.FirstOrDefault(i => i.Name == tensorName) is { } initializer)
            return (TensorProto.Types.DataType)initializer.DataType;
        var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(tensorName));
        if (producer is null || depth > graph.Node.Count)
            return TensorProto.Types.DataType.Float;
        return producer.OpType switch
        {
            "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" => TensorProto.Types.DataType.Int64,
            "Cast" => (TensorProto.Types.DataType)(producer.Attribute.FirstOrDefault(a => a.Name == "to")?.I ?? 1),
            "Constant" => (TensorProto.Types.DataType)(producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.DataType ?? 1),
            _ when producer.Input.Count > 0 && producer.Input[0].Length > 0 => ElementType(graph, producer.Input[0], depth + 1),
            _ => TensorProto.Types.DataType.Float,
        };
    }
}
