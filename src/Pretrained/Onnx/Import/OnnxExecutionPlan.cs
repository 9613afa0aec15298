using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>
/// A compiled graph: the ops in topological order, each reading and writing numbered value slots, with the
/// slots each step is the last reader of (released right after it, to keep memory flat on deep graphs).
/// </summary>
internal sealed class OnnxExecutionPlan
{
    public required IReadOnlyList<OnnxExecutionStep> Steps { get; init; }

    /// <summary>Initializers and Constant outputs, registered on the module as parameters or buffers.</summary>
    public required IReadOnlyList<OnnxStoredValue> Stored { get; init; }

    public required IReadOnlyList<OnnxLayerPlan> Layers { get; init; }

    public required int SlotCount { get; init; }

    public required int InputSlot { get; init; }

    public required int OutputSlot { get; init; }

    public required string InputName { get; init; }

    public required string OutputName { get; init; }
}

/// <summary>One node to run. <c>-1</c> in <see cref="InputSlots"/>/<see cref="OutputSlots"/> marks a skipped optional input or output.</summary>
internal sealed record OnnxExecutionStep(OnnxOp Op, int NodeIndex, string NodeName, string OpType, int[] InputSlots, int[] OutputSlots, int[] ReleaseAfter);

/// <summary>
/// A tensor held by the module. <see cref="InitializerName"/> is the ONNX initializer it came from
/// (<see langword="null"/> for a Constant node's value).
/// </summary>
internal sealed record OnnxStoredValue(int Slot, string ModuleName, bool IsParameter, string? InitializerName, Tensor Value);

/// <summary>A node that owns parameters, by its index among the nodes and the module names of its parameters.</summary>
internal sealed record OnnxLayerPlan(int NodeIndex, string Name, string OpType, IReadOnlyList<string> InitializerNames, IReadOnlyList<string> ParameterNames);
