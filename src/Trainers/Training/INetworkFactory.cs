using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Builds the network a <see cref="TrainingCore"/> trains and says how to train it: which weights L1, L2 and
/// max-norm act on, which parameters are trained in each epoch and at what learning rate, and where its batch
/// norms are. The MLP's is <see cref="Network.MultilayerPerceptronFactory"/>; the image estimator brings its own
/// (an imported or TorchSharp backbone plus a head).
/// </summary>
internal interface INetworkFactory
{
    /// <summary>
    /// A new network for samples of <paramref name="sampleShape"/> (it receives [batch, ..shape]) with
    /// <paramref name="outputWidth"/> outputs per sample (raw scores: the task's export head adds softmax or sigmoid).
    /// Random initialization draws from <paramref name="generator"/> (dropout from libtorch's seeded global one).
    /// <paramref name="options"/> are the run's options with the size-dependent defaults resolved for the data
    /// (<see cref="Options.SmallDataDefaults"/>), which an architecture may depend on.
    /// </summary>
    nn.Module<Tensor, Tensor> Create(SampleShape sampleShape, long outputWidth, TrainingOptions options, Generator generator);

    /// <summary>
    /// The weight tensors that L1 and L2 penalize and max-norm constrains, chosen explicitly (never found by
    /// module type). Called after the network moved to its device, so the tensors are the ones it trains.
    /// </summary>
    IReadOnlyList<Tensor> PenalisedWeights(nn.Module<Tensor, Tensor> network);

    /// <summary>
    /// The parameters trained in epoch <paramref name="epoch"/> (1-based), in groups with their own learning-rate
    /// scale; every other parameter is frozen (no gradient, no update). Asked at the start of every epoch, so a
    /// group can appear (unfreezing) or go: the loop then rebuilds the optimizer, keeping the state of every group
    /// that is unchanged (same name and parameters). Default: one group of all parameters at scale 1.
    /// </summary>
    IReadOnlyList<ParameterGroup> ParameterGroups(nn.Module<Tensor, Tensor> network, int epoch) =>
        new[] { new ParameterGroup("all", network.parameters().ToList()) };

    /// <summary>
    /// The network's output for one training batch, the network in training mode. Only the training step calls it;
    /// evaluation and export run the network's own forward. Default: <c>network.forward(batch)</c>.
    /// </summary>
    Tensor TrainingForward(nn.Module<Tensor, Tensor> network, Tensor batch) => network.forward(batch);

    /// <summary>The batch-normalization layers, in forward order. Default: <see cref="BatchNormLayers.Find"/>.</summary>
    IReadOnlyList<IBatchNormLayer> BatchNormLayers(nn.Module<Tensor, Tensor> network) => Training.BatchNormLayers.Find(network);
}
