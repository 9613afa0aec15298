using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// Builds phase 2's <see cref="FineTuningNetwork"/> for the trainer core: the plan's upper part imported from ONNX with
/// only the plan's layers trainable, the head as phase 1 left it, and, when batches are augmented pixels, the frozen lower
/// part. Two parameter groups: the backbone's unfrozen weights at the fine-tuning rate and the head at its own.
/// </summary>
internal sealed class FineTuningNetworkFactory : INetworkFactory
{
    private readonly FineTuningPlan _plan;
    private readonly nn.Module<Tensor, Tensor> _phase1Head;
    private readonly Trainers.DeepNeuralNetworkOptions _headOptions;
    private readonly long _featureCount;
    private readonly bool _withFrozenPart;
    private readonly bool _freezeBatchNorm;
    private readonly double _headLearningRateScale;

    /// <param name="plan">What is trained.</param>
    /// <param name="phase1Head">Phase 1's trained head, copied (not changed).</param>
    /// <param name="headOptions">The options phase 1 built the head with.</param>
    /// <param name="featureCount">The head's input width.</param>
    /// <param name="withFrozenPart">Whether samples are pixels (augmented), so the network starts with the frozen lower part.</param>
    /// <param name="freezeBatchNorm">Whether the unfrozen layers' batch norms keep their statistics too.</param>
    /// <param name="headLearningRateScale">The head's learning rate over the backbone's.</param>
    public FineTuningNetworkFactory(FineTuningPlan plan, nn.Module<Tensor, Tensor> phase1Head, Trainers.DeepNeuralNetworkOptions headOptions, long featureCount,
        bool withFrozenPart, bool freezeBatchNorm, double headLearningRateScale)
    {
        _plan = plan;
        _phase1Head = phase1Head;
        _headOptions = headOptions;
        _featureCount = featureCount;
        _withFrozenPart = withFrozenPart;
        _freezeBatchNorm = freezeBatchNorm;
        _headLearningRateScale = headLearningRateScale;
    }

    public nn.Module<Tensor, Tensor> Create(SampleShape sampleShape, long outputWidth, Trainers.TrainingOptions options, Generator generator)
    {
        var trained = OnnxImporter.Load(_plan.Upper, new OnnxImportOptions
        {
            OutputName = BackboneGraph.FeaturesOutput,
            // Frozen: Keras' fine-tuning advice for small data. Otherwise the unfrozen layers' batch norms learn, the frozen ones keep theirs.
            BatchNormStatistics = _freezeBatchNorm ? BatchNormStatisticsMode.Frozen : BatchNormStatisticsMode.FrozenInFrozenLayers,
        });
        OnnxModule? frozen = null;
        try
        {
            trained.SetTrainable(false);
            trained.SetTrainable(_plan.TrainedLayers, true);
            if (_withFrozenPart)
            {
                frozen = OnnxImporter.Load(_plan.Lower, new OnnxImportOptions { OutputName = _plan.Entry, BatchNormStatistics = BatchNormStatisticsMode.Frozen });
                frozen.SetTrainable(false);
            }
            var head = CopyOfHead(outputWidth, generator);
            return new FineTuningNetwork(frozen, trained, head);
        }
        catch
        {
            trained.Dispose();
            frozen?.Dispose();
            throw;
        }
    }

    public IReadOnlyList<Tensor> PenalisedWeights(nn.Module<Tensor, Tensor> network) => NetworkBuilder.DenseWeights(Of(network).Head);

    public IReadOnlyList<ParameterGroup> ParameterGroups(nn.Module<Tensor, Tensor> network, int epoch)
    {
        var net = Of(network);
        var trainedLayers = _plan.TrainedLayers.ToHashSet(StringComparer.Ordinal);
        var backbone = net.Trained.Layers.Where(l => trainedLayers.Contains(l.Name))
            .SelectMany(l => l.ParameterNames).Select(net.Trained.ParameterNamed).ToList();
        return
        [
            new ParameterGroup("backbone", backbone),
            new ParameterGroup("head", net.Head.parameters().ToList(), _headLearningRateScale),
        ];
    }

    private static FineTuningNetwork Of(nn.Module<Tensor, Tensor> network) =>
        network as FineTuningNetwork ?? throw new ArgumentException($"Expected the network this factory built; got {network.GetType().Name}.", nameof(network));

    /// <summary>A new head of phase 1's architecture holding phase 1's values, so that phase 1's model stays as it was.</summary>
    private nn.Module<Tensor, Tensor> CopyOfHead(long outputWidth, Generator generator)
    {
        var head = NetworkBuilder.Build(_headOptions, _featureCount, outputWidth, generator);
        var source = _phase1Head.state_dict();
        using var _ = no_grad();
        foreach (var (name, value) in head.state_dict())
        {
            if (!source.TryGetValue(name, out var from) || !from.shape.SequenceEqual(value.shape))
                throw new InvalidOperationException($"Phase 1's head has no tensor '{name}' of shape [{string.Join(",", value.shape)}] to start phase 2 from.");
            value.copy_(from);
        }
        return head;
    }
}
