using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// Pad. Before opset 11 the pads, <c>mode</c> and constant <c>value</c> are attributes (opset 1 calls the pads
/// <c>paddings</c>); from 11 pads and constant_value are inputs, and from 18 an optional <c>axes</c> input says
/// which axes the pads cover. Modes: constant, reflect, edge (libtorch: replicate), wrap (circular); negative
/// pads crop. Reflect, edge and wrap pad at most the last three axes, as libtorch does.
/// </summary>
internal sealed class PadOp : OnnxOp
{
    private readonly long[]? _fixedPads;
    private readonly float _fixedValue;
    private readonly PaddingModes _mode;
    private readonly string _modeName;
    private readonly OnnxNodeContextInfo _node;

    private PadOp(OnnxNodeContext context)
    {
        _node = OnnxNodeContextInfo.From(context);
        _modeName = context.GetString("mode", "constant");
        _mode = _modeName switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            "wrap" => PaddingModes.Circular,
            _ => throw context.Error($"'{_modeName}' is not supported (expected constant, reflect, edge or wrap).", "mode"),
        };
        _fixedPads = context.GetInts("pads") ?? context.GetInts("paddings");
        _fixedValue = context.GetFloat("value", 0f);
        if (_fixedPads is null && !context.HasInput(1))
            throw context.Error("the pads are missing (expected the 'pads' input, or the 'pads' attribute before opset 11).", "pads");
    }

    public static OnnxOp Create(OnnxNodeContext context) => new PadOp(context);

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        var rank = x.dim();
        var pads = inputs.Length > 1 && inputs[1] is { } p ? TensorValues.ToLongs(p) : _fixedPads!;
        var value = inputs.Length > 2 && inputs[2] is { } v ? TensorValues.ToScalar(v) : _fixedValue;
        var axes = inputs.Length > 3 && inputs[3] is { } a
            ? TensorValues.ToLongs(a).Select(axis => TensorValues.NormalizeAxis(axis, rank, _node, "axes")).ToArray()
            : Enumerable.Range(0, (int)rank).Select(i => (long)i).ToArray();
        if (pads.Length != 2 * axes.Length)
            throw _node.RuntimeError($"expected {2 * axes.Length} pads (begin and end for each of {axes.Length} axes) but found {pads.Length}.");

        var begin = new long[rank];
        var end = new long[rank];
        for (var i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = pads[i];
            end[axes[i]] = pads[axes.Length + i];
        }
        // F.pad lists the last axis first and only needs the axes from the first padded one on.
        var first = Enumerable.Range(0, (int)rank).FirstOrDefault(i => begin[i] != 0 || end[i] != 0, (int)rank);
        if (first == rank)
            return [x.alias()];
        if (_mode != PaddingModes.Constant && rank - first > 3)
            throw _node.RuntimeError($"mode '{_modeName}' can pad at most the last 3 axes, but axis {first} of a rank-{rank} input is padded.");
        var torchPads = new List<long>();
        for (var axis = rank - 1; axis >= first; axis--)
        {
            torchPads.Add(begin[axis]);
            torchPads.Add(end[axis]);
        }
        return [F.pad(x, torchPads.ToArray(), _mode, value)];
    }
}
