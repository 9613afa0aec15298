using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;

namespace MLNetDeep.Trainers.Training;

/// <summary>Finds a network's batch-normalization layers through <see cref="IBatchNormLayer"/>, and keeps frozen ones in inference mode.</summary>
internal static class BatchNormLayers
{
    /// <summary>
    /// The layers that keep running statistics, in forward order: every TorchSharp <c>BatchNorm</c> module (not
    /// frozen) and the layers of every module that is an <see cref="IBatchNormLayerSource"/> (an imported graph).
    /// </summary>
    public static IReadOnlyList<IBatchNormLayer> Find(nn.Module network)
    {
        var layers = new List<IBatchNormLayer>();
        if (network is IBatchNormLayerSource root)
            layers.AddRange(root.BatchNormLayers);
        foreach (var (name, module) in network.named_modules())
        {
            if (module is TorchSharp.Modules.BatchNorm bn && TorchBatchNormLayer.TracksStatistics(bn))
                layers.Add(new TorchBatchNormLayer(name, bn));
            else if (module is IBatchNormLayerSource source && !ReferenceEquals(module, network))
                layers.AddRange(source.BatchNormLayers);
        }
        return layers;
    }

    /// <summary>Puts <paramref name="network"/> in training mode, with its frozen batch norms normalizing by their running statistics.</summary>
    public static void Train(nn.Module network, IReadOnlyList<IBatchNormLayer> layers)
    {
        network.train();
        foreach (var layer in layers)
        {
            if (layer.Frozen)
                layer.SetTraining(false);
        }
    }
}
