using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// The built-in network: the multilayer perceptron <see cref="DeepNeuralNetworkOptions"/> describes
/// (<see cref="NetworkBuilder"/>), over flat feature vectors. Its penalised weights are its dense layers' weight
/// matrices, named when it is built; all parameters train in one group for the whole run, unless
/// <see cref="DeepNeuralNetworkOptions.ReusedLayers"/> starts it from a trained network's layers (<see cref="ReusedLayerTransfer"/>).
/// </summary>
internal sealed class MultilayerPerceptronFactory : INetworkFactory
{
    private readonly DeepNeuralNetworkOptions _options;
    private HashSet<string> _penalised = new();

    private readonly ReusedLayerTransfer? _reuse;

    public MultilayerPerceptronFactory(DeepNeuralNetworkOptions options)
    {
        _options = options;
        _reuse = options.ReusedLayers is { } reused ? new ReusedLayerTransfer(reused) : null;
    }

    public nn.Module<Tensor, Tensor> Create(SampleShape sampleShape, long outputWidth, TrainingOptions options, Generator generator)
    {
        if (!sampleShape.IsFlat)
            throw new ArgumentException($"The multilayer perceptron reads flat feature vectors; the sample shape is {sampleShape}.", nameof(sampleShape));
        // The resolved copy of this factory's options: the hidden widths may depend on the row count.
        var network = NetworkBuilder.Build(options as DeepNeuralNetworkOptions ?? _options, sampleShape.ElementCount, outputWidth, generator);
        _penalised = NetworkBuilder.DenseWeightNames(network).ToHashSet(StringComparer.Ordinal);
        try
        {
            _reuse?.CopyInto(network);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return network;
    }

    public IReadOnlyList<Tensor> PenalisedWeights(nn.Module<Tensor, Tensor> network) =>
        network.named_parameters().Where(p => _penalised.Contains(p.name)).Select(p => (Tensor)p.parameter).ToList();

    public IReadOnlyList<ParameterGroup> ParameterGroups(nn.Module<Tensor, Tensor> network, int epoch) =>
        _reuse?.ParameterGroups(network, epoch) ?? new[] { new ParameterGroup("all", network.parameters().ToList()) };

    /// <summary>
    /// The training step's forward pass, with an input batch norm folded into the first dense layer
    /// (<see cref="InputBatchNormFold"/>) and dropout masks drawn by <see cref="PhiloxDropout"/>.
    /// </summary>
    public Tensor TrainingForward(nn.Module<Tensor, Tensor> network, Tensor batch) =>
        InputBatchNormFold.Forward(network, batch, TrainingStepLayers.Forward);

    public IReadOnlyList<IBatchNormLayer> BatchNormLayers(nn.Module<Tensor, Tensor> network) =>
        _reuse?.BatchNormLayers(network) ?? Training.BatchNormLayers.Find(network);
}
