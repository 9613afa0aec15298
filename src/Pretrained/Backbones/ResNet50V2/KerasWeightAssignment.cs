using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// Copies per-layer tensors, already in TorchSharp layout and checked against <see cref="KerasLayer"/> shapes, into a
/// network made by <see cref="ResNet50V2Network.Create"/>: every parameter and moving statistic is written exactly once.
/// </summary>
internal static class KerasWeightAssignment
{
    /// <summary>Checks that <paramref name="network"/> has every tensor of <paramref name="layers"/> and nothing else to load.</summary>
    /// <exception cref="ArgumentException">The network is not the one the layers describe.</exception>
    public static Dictionary<string, Tensor> TargetsOf(nn.Module network, IReadOnlyList<KerasLayer> layers)
    {
        var state = network.state_dict();
        var expected = layers.SelectMany(l => l.Weights.Select(l.StateDictKey)).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(key => !state.ContainsKey(key)).ToList();
        var unmapped = state.Keys.Where(key => !expected.Contains(key) && !key.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
        if (missing.Count > 0 || unmapped.Count > 0)
            throw new ArgumentException(
                $"The network is not the ResNet50V2 these weights are for: {(missing.Count > 0 ? $"it lacks {string.Join(", ", missing.Take(3))}" : "")}"
                + $"{(missing.Count > 0 && unmapped.Count > 0 ? "; " : "")}{(unmapped.Count > 0 ? $"it has {string.Join(", ", unmapped.Take(3))} that no Keras layer maps to" : "")}. "
                + $"Build it with {nameof(ResNet50V2Network)}.{nameof(ResNet50V2Network.Create)} (classes null for a file without the top).", nameof(network));
        return state;
    }

    /// <summary>Writes the values of one layer (in <see cref="KerasLayer.Weights"/> order, TorchSharp layout) into the network.</summary>
    public static void Assign(Dictionary<string, Tensor> targets, KerasLayer layer, IReadOnlyList<Tensor> values)
    {
        using var noGrad = torch.no_grad();
        for (var i = 0; i < layer.Weights.Count; i++)
        {
            var target = targets[layer.StateDictKey(layer.Weights[i])];
            if (!target.shape.SequenceEqual(layer.Weights[i].TorchShape))
                throw new InvalidOperationException($"{layer.StateDictKey(layer.Weights[i])} has shape [{string.Join(", ", target.shape)}], not the mapping's.");
            target.copy_(values[i]);
        }
    }
}
