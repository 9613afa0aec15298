using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Pretrained.Onnx.Import.Ops;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>
/// An ONNX graph running as a TorchSharp module: one input tensor, one output tensor (see
/// <see cref="OnnxImportOptions"/> to pick them when the graph has several). It trains like any module —
/// parameters for Conv/Gemm/MatMul weights and biases and BatchNormalization scale and bias, buffers for running
/// statistics and constants — and can be written back to ONNX with
/// <c>OnnxInitializerReplacement.ReplaceInitializers</c>. Create it with <see cref="OnnxImporter"/>.
/// </summary>
/// <remarks>
/// Parameter and buffer names are the ONNX initializer names with every character other than letters, digits and
/// '_' replaced by '_' (<see cref="OnnxLayer.ParameterNames"/> and <see cref="GetInitializers"/> map them back).
/// Layers are the nodes that own parameters, in topological order; all start trainable. The trainer core sees its
/// BatchNormalization nodes as batch-norm layers (frozen ones keep their statistics while training).
/// </remarks>
public sealed class OnnxModule : nn.Module<Tensor, Tensor>, IBatchNormLayerSource
{
    private readonly OnnxExecutionPlan _plan;
    private readonly OnnxLayer[] _layers;
    private readonly Dictionary<int, OnnxLayer> _layerByNode;
    private readonly OnnxBatchNormLayer[] _batchNorms;
    // A node's mode set by IBatchNormLayer.SetTraining, until the module's next train() or eval().
    private readonly Dictionary<int, bool> _batchNormMode = new();

    internal OnnxModule(OnnxExecutionPlan plan, BatchNormStatisticsMode batchNormStatistics)
        : base(nameof(OnnxModule))
    {
        _plan = plan;
        foreach (var stored in plan.Stored)
        {
            // detach(): a new handle on the same storage, so the compiler can release its own.
            if (stored.IsParameter)
                register_parameter(stored.ModuleName, new Parameter(stored.Value.detach(), requires_grad: true));
            else
                register_buffer(stored.ModuleName, stored.Value.detach());
        }
        _layers = plan.Layers.Select((l, i) => new OnnxLayer(this, i, l.NodeIndex, l.Name, l.OpType, l.InitializerNames, l.ParameterNames)).ToArray();
        _layerByNode = _layers.ToDictionary(l => l.NodeIndex);
        BatchNormStatistics = batchNormStatistics;
        var bufferOf = plan.Stored.Where(s => !s.IsParameter).ToDictionary(s => s.Slot, s => s.ModuleName);
        _batchNorms = plan.Steps
            .Where(s => s.Op is BatchNormalizationOp && s.InputSlots.Length >= 5 && bufferOf.ContainsKey(s.InputSlots[3]) && bufferOf.ContainsKey(s.InputSlots[4]))
            .Select(s => new OnnxBatchNormLayer(this, s.NodeIndex, s.NodeName, (BatchNormalizationOp)s.Op, bufferOf[s.InputSlots[3]], bufferOf[s.InputSlots[4]]))
            .ToArray();
    }

    /// <summary>The graph input that <see cref="forward"/> receives.</summary>
    public string InputName => _plan.InputName;

    /// <summary>The graph tensor that <see cref="forward"/> returns.</summary>
    public string OutputName => _plan.OutputName;

    /// <summary>The nodes that own parameters, in topological order.</summary>
    public IReadOnlyList<OnnxLayer> Layers => _layers;

    /// <summary>How BatchNormalization behaves while training; set from <see cref="OnnxImportOptions.BatchNormStatistics"/> (default <see cref="BatchNormStatisticsMode.UpdateWhileTraining"/>).</summary>
    public BatchNormStatisticsMode BatchNormStatistics { get; set; }

    /// <summary>Runs the graph on <paramref name="input"/>.</summary>
    /// <param name="input">The tensor for <see cref="InputName"/>, on the module's device.</param>
    /// <returns>The tensor <see cref="OutputName"/>.</returns>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var values = new Tensor?[_plan.SlotCount];
        values[_plan.InputSlot] = input;
        foreach (var stored in _plan.Stored)
            values[stored.Slot] = Stored(stored);

        var state = new OnnxRunState(training, UsesBatchStatistics);
        foreach (var step in _plan.Steps)
        {
            var inputs = new Tensor?[step.InputSlots.Length];
            for (var i = 0; i < inputs.Length; i++)
                inputs[i] = step.InputSlots[i] < 0 ? null : values[step.InputSlots[i]];
            Tensor?[] outputs;
            try
            {
                outputs = step.Op.Forward(inputs, state);
            }
            catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException && !e.Message.Contains(step.NodeName, StringComparison.Ordinal))
            {
                var shapes = string.Join(", ", inputs.Select(t => t is null ? "none" : $"[{string.Join(",", t.shape)}]"));
                throw new InvalidOperationException($"{step.OpType} node '{step.NodeName}' failed on inputs {shapes}: {e.Message}", e);
            }
            for (var i = 0; i < step.OutputSlots.Length; i++)
            {
                if (step.OutputSlots[i] >= 0 && i < outputs.Length)
                    values[step.OutputSlots[i]] = outputs[i];
            }
            foreach (var slot in step.ReleaseAfter)
            {
                values[slot]?.Dispose();
                values[slot] = null;
            }
        }

        var result = values[_plan.OutputSlot]
            ?? throw new InvalidOperationException($"The graph did not produce '{_plan.OutputName}'.");
        // A graph whose output is its input or a stored tensor must not hand out the module's own handle.
        return ReferenceEquals(result, input) || _plan.Stored.Any(s => s.Slot == _plan.OutputSlot)
            ? result.alias().MoveToOuterDisposeScope()
            : result.MoveToOuterDisposeScope();
    }

    /// <summary>Sets training or evaluation mode, and ends every batch-norm mode the trainer core set node by node.</summary>
    /// <param name="on">Training (<see langword="true"/>) or evaluation.</param>
    public override void train(bool on = true)
    {
        _batchNormMode.Clear();
        base.train(on);
    }

    IReadOnlyList<IBatchNormLayer> IBatchNormLayerSource.BatchNormLayers => _batchNorms;

    /// <summary>Makes every layer trainable (<see langword="true"/>) or frozen (<see langword="false"/>).</summary>
    /// <param name="trainable">Whether the layers' parameters receive gradients.</param>
    public void SetTrainable(bool trainable)
    {
        foreach (var layer in _layers)
            layer.Trainable = trainable;
    }

    /// <summary>Sets whether the named layers are trainable; the others are left as they are.</summary>
    /// <param name="layerNames">Layer (node) names, as in <see cref="OnnxLayer.Name"/>.</param>
    /// <param name="trainable">Whether those layers' parameters receive gradients.</param>
    /// <exception cref="ArgumentException">A name is not a layer of this module.</exception>
    public void SetTrainable(IEnumerable<string> layerNames, bool trainable)
    {
        ArgumentNullException.ThrowIfNull(layerNames);
        var byName = _layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var selected = new List<OnnxLayer>();
        foreach (var name in layerNames)
        {
            if (!byName.TryGetValue(name, out var layer))
                throw new ArgumentException(
                    $"'{name}' is not a layer of this module (layers are the nodes that own parameters: {string.Join(", ", _layers.Select(l => l.Name).Take(12))}{(_layers.Length > 12 ? ", ..." : "")}).",
                    nameof(layerNames));
            selected.Add(layer);
        }
        foreach (var layer in selected)
            layer.Trainable = trainable;
    }

    /// <summary>Freezes every layer except the last <paramref name="count"/> (in topological order), which become trainable.</summary>
    /// <param name="count">How many layers, counted from the end, to train; 0 freezes all, and a count at or above <see cref="Layers"/>' count trains all.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public void TrainOnlyLastLayers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < _layers.Length; i++)
            _layers[i].Trainable = i >= _layers.Length - count;
    }

    /// <summary>
    /// The current values of the ONNX initializers the module holds (parameters and buffers, by their ONNX names),
    /// for writing fine-tuned weights back into the graph. The tensors are the module's own: do not dispose them.
    /// </summary>
    /// <returns>ONNX initializer name to tensor.</returns>
    public IReadOnlyDictionary<string, Tensor> GetInitializers() =>
        _plan.Stored.Where(s => s.InitializerName is not null).ToDictionary(
            s => s.InitializerName!,
            Stored,
            StringComparer.Ordinal);

    internal Tensor BufferNamed(string moduleName) =>
        get_buffer(moduleName) ?? throw new InvalidOperationException($"The module has no buffer '{moduleName}'.");

    /// <summary>Whether BatchNormalization node <paramref name="nodeIndex"/> normalizes with its running statistics, unchanged, while the module trains.</summary>
    internal bool UsesRunningStatisticsWhileTraining(int nodeIndex) => BatchNormStatistics switch
    {
        BatchNormStatisticsMode.Frozen => true,
        // A BatchNormalization whose scale and bias are computed (not initializers) owns no parameters and counts as frozen.
        BatchNormStatisticsMode.FrozenInFrozenLayers => !_layerByNode.TryGetValue(nodeIndex, out var layer) || !layer.Trainable,
        _ => false,
    };

    internal void OverrideBatchNormMode(int nodeIndex, bool training) => _batchNormMode[nodeIndex] = training;

    internal Parameter ParameterNamed(string moduleName) =>
        get_parameter(moduleName) ?? throw new InvalidOperationException($"The module has no parameter '{moduleName}'.");

    private Tensor Stored(OnnxStoredValue stored) => stored.IsParameter
        ? ParameterNamed(stored.ModuleName)
        : get_buffer(stored.ModuleName) ?? throw new InvalidOperationException($"The module has no buffer '{stored.ModuleName}'.");

    // A mode set node by node (the trainer core's frozen layers, the precise statistics refresh) decides first.
    private bool UsesBatchStatistics(int nodeIndex) =>
        _batchNormMode.TryGetValue(nodeIndex, out var batchStatistics) ? batchStatistics : training && !UsesRunningStatisticsWhileTraining(nodeIndex);
}
