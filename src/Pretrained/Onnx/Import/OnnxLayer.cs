namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>
/// A layer of an imported graph: a node that owns parameters (Conv, Gemm, MatMul with an initializer, the scale and
/// bias of BatchNormalization, or an initializer bias added to a Conv/Gemm/MatMul output). Layers are listed in
/// topological order; freezing a layer freezes all its parameters.
/// </summary>
public sealed class OnnxLayer
{
    private readonly OnnxModule _module;

    internal OnnxLayer(OnnxModule module, int index, int nodeIndex, string name, string opType, IReadOnlyList<string> initializerNames, IReadOnlyList<string> parameterNames)
    {
        _module = module;
        Index = index;
        NodeIndex = nodeIndex;
        Name = name;
        OpType = opType;
        InitializerNames = initializerNames;
        ParameterNames = parameterNames;
    }

    /// <summary>The layer's position among the layers (0 = first in topological order).</summary>
    public int Index { get; }

    /// <summary>The node's name in the ONNX graph, or <c>OpType_index</c> when the graph gives it none.</summary>
    public string Name { get; }

    /// <summary>The node's ONNX operator type, for example <c>Conv</c>.</summary>
    public string OpType { get; }

    /// <summary>The ONNX initializers this layer owns as parameters.</summary>
    public IReadOnlyList<string> InitializerNames { get; }

    /// <summary>The names of the same parameters in the module (<c>named_parameters()</c>, <c>state_dict()</c>).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Whether the layer's parameters receive gradients. Newly imported layers are trainable.</summary>
    public bool Trainable
    {
        get => ParameterNames.All(name => _module.ParameterNamed(name).requires_grad);
        set
        {
            foreach (var name in ParameterNames)
                _module.ParameterNamed(name).requires_grad = value;
        }
    }

    internal int NodeIndex { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}: {OpType} '{Name}' ({string.Join(", ", InitializerNames)}){(Trainable ? "" : " frozen")}";
}
