using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// Puts <see cref="ReusedLayers"/> into a newly built MLP and says how to train it: the reused parameters frozen (no
/// group, batch norms in inference mode) until their epoch comes, then in a group of their own at their scale.
/// </summary>
internal sealed class ReusedLayerTransfer
{
    private readonly ReusedLayers _reused;
    private readonly IReadOnlyList<string> _prefixes;
    private int _epoch = 1;

    public ReusedLayerTransfer(ReusedLayers reused)
    {
        _reused = reused;
        _prefixes = ReusedLayers.Prefixes(reused.HiddenLayerCount);
    }

    private bool Frozen => _epoch <= _reused.FrozenEpochs;

    /// <summary>Copies every reused tensor into <paramref name="network"/>, after checking that both hold the same tensors with the same shapes.</summary>
    /// <exception cref="ArgumentException">A reused tensor is missing, extra or of another shape; the message names the layer and both shapes.</exception>
    public void CopyInto(nn.Module<Tensor, Tensor> network)
    {
        var target = network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers())
            .Where(t => t.Item2.dtype == ScalarType.Float32 && IsReused(t.Item1))
            .ToDictionary(t => t.Item1, t => t.Item2, StringComparer.Ordinal);
        foreach (var (name, (shape, _)) in _reused.Tensors)
        {
            if (!target.TryGetValue(name, out var tensor))
            {
                throw new ArgumentException(
                    $"Reused layer '{Layer(name)}': the reused model has the tensor '{name}' of shape {ReusedLayers.Shape(shape)}, and this network has none " +
                    "(its options build that layer differently: compare BatchNormalization, InputBatchNormalization and the activation).");
            }
            if (!tensor.shape.SequenceEqual(shape))
            {
                throw new ArgumentException(
                    $"Reused layer '{Layer(name)}': the reused model's '{name}' has shape {ReusedLayers.Shape(shape)}, this network's {ReusedLayers.Shape(tensor.shape)} " +
                    "(set the first HiddenLayers widths, and the feature width, to the reused model's).");
            }
        }
        foreach (var name in target.Keys.Where(n => !_reused.Tensors.ContainsKey(n)))
        {
            throw new ArgumentException(
                $"Reused layer '{Layer(name)}': this network has the tensor '{name}' of shape {ReusedLayers.Shape(target[name].shape)}, and the reused model has none " +
                "(its options build that layer differently: compare BatchNormalization, InputBatchNormalization and the activation).");
        }
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, (shape, values)) in _reused.Tensors)
            target[name].copy_(tensor(values, shape));
    }

    /// <summary>The new parameters in one group; from the first unfrozen epoch on, the reused ones in a second, at their scale.</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups(nn.Module<Tensor, Tensor> network, int epoch)
    {
        _epoch = epoch;
        var all = network.named_parameters().ToList();
        var groups = new List<ParameterGroup> { new("new", all.Where(p => !IsReused(p.name)).Select(p => p.parameter).ToList()) };
        if (!Frozen)
            groups.Add(new ParameterGroup("reused", all.Where(p => IsReused(p.name)).Select(p => p.parameter).ToList(), _reused.LearningRateScaleAfterUnfreezing));
        return groups;
    }

    /// <summary>The network's batch norms, the reused ones frozen while their layers are.</summary>
    public IReadOnlyList<IBatchNormLayer> BatchNormLayers(nn.Module<Tensor, Tensor> network) =>
        network.named_modules()
            .Where(m => m.module is BatchNorm bn && TorchBatchNormLayer.TracksStatistics(bn))
            .Select(m => IsReused(m.name + ".")
                ? new TorchBatchNormLayer(m.name, (BatchNorm)m.module, () => Frozen)
                : new TorchBatchNormLayer(m.name, (BatchNorm)m.module))
            .ToList<IBatchNormLayer>();

    private bool IsReused(string name) => _prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private static string Layer(string tensorName) => tensorName[..tensorName.LastIndexOf('.')];
}
