using Onnx;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>
/// What an operator converter sees of one node while it is compiled: its attributes (every one it reads is
/// recorded, so that an attribute no converter understood is reported instead of silently ignored), the opset
/// in force, and which inputs are present.
/// </summary>
internal sealed class OnnxNodeContext
{
    private readonly Dictionary<string, AttributeProto> _attributes;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private readonly Func<string, long[]?> _constantShape;

    public OnnxNodeContext(NodeProto node, int index, string name, long opset, string? source, Func<string, long[]?> constantShape)
    {
        Index = index;
        _constantShape = constantShape;
        Node = node;
        Name = name;
        Opset = opset;
        Source = source;
        _attributes = new Dictionary<string, AttributeProto>(StringComparer.Ordinal);
        foreach (var attribute in node.Attribute)
            _attributes[attribute.Name] = attribute;
    }

    public NodeProto Node { get; }

    /// <summary>The node's position in topological order.</summary>
    public int Index { get; }

    /// <summary>The node's name, or a generated one (<c>OpType_index</c>) when the file gives none.</summary>
    public string Name { get; }

    public string OpType => Node.OpType;

    /// <summary>The default-domain opset version the model imports.</summary>
    public long Opset { get; }

    public string? Source { get; }

    /// <summary>Whether input <paramref name="index"/> is given (ONNX marks a skipped optional input with an empty name).</summary>
    public bool HasInput(int index) => index < Node.Input.Count && Node.Input[index].Length > 0;

    /// <summary>The shape of input <paramref name="index"/> when it is an initializer or a Constant output; otherwise <see langword="null"/>.</summary>
    public long[]? ConstantInputShape(int index) => HasInput(index) ? _constantShape(Node.Input[index]) : null;

    public int OutputCount => Node.Output.Count;

    /// <summary>Whether output <paramref name="index"/> is asked for.</summary>
    public bool HasOutput(int index) => index < Node.Output.Count && Node.Output[index].Length > 0;

    public bool Has(string attribute) => _attributes.ContainsKey(attribute);

    public IEnumerable<string> UnreadAttributes => _attributes.Keys.Where(a => !_read.Contains(a));

    public long GetInt(string attribute, long defaultValue) =>
        Get(attribute, AttributeProto.Types.AttributeType.Int) is { } a ? a.I : defaultValue;

    public long? GetIntOrNull(string attribute) =>
        Get(attribute, AttributeProto.Types.AttributeType.Int) is { } a ? a.I : null;

    public float GetFloat(string attribute, float defaultValue) =>
        Get(attribute, AttributeProto.Types.AttributeType.Float) is { } a ? a.F : defaultValue;

    public long[]? GetInts(string attribute) =>
        Get(attribute, AttributeProto.Types.AttributeType.Ints) is { } a ? a.Ints.ToArray() : null;

    public float[]? GetFloats(string attribute) =>
        Get(attribute, AttributeProto.Types.AttributeType.Floats) is { } a ? a.Floats.ToArray() : null;

    public string GetString(string attribute, string defaultValue) =>
        Get(attribute, AttributeProto.Types.AttributeType.String) is { } a ? a.S.ToStringUtf8() : defaultValue;

    public TensorProto? GetTensor(string attribute) =>
        Get(attribute, AttributeProto.Types.AttributeType.Tensor)?.T;

    /// <summary>Marks an attribute as understood although its value does not change the computation (for example BatchNormalization's <c>is_test</c>).</summary>
    public void Accept(string attribute) => _read.Add(attribute);

    /// <summary>An error about this node, naming its op type, its name and, where given, the attribute.</summary>
    public OnnxImportException Error(string problem, string? attribute = null) =>
        new($"{OpType} node '{Name}'{(attribute is null ? "" : $", attribute '{attribute}'")}: {problem}")
        {
            ModelSource = Source,
            OpType = OpType,
            NodeName = Name,
            AttributeName = attribute,
        };

    private AttributeProto? Get(string attribute, AttributeProto.Types.AttributeType expected)
    {
        _read.Add(attribute);
        if (!_attributes.TryGetValue(attribute, out var value))
            return null;
        // Writers older than IR 2 leave 'type' unset; the populated field is then the only guide.
        if (value.Type != expected && value.Type != AttributeProto.Types.AttributeType.Undefined)
            throw Error($"expected an attribute of type {expected} but found {value.Type}.", attribute);
        return value;
    }
}
