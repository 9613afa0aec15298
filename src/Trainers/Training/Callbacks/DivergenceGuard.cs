using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// The loss is checked before each step, so an epoch's last step could leave broken weights unseen: they would be
/// evaluated, checkpointed and, on the last epoch, returned as the model. After the statistics refresh and before
/// validation, this checks every parameter and buffer, then the inference-mode outputs for the first training rows
/// (huge but finite weights overflow there), and ends the run as diverged when one is not finite. Inference mode
/// draws no random numbers, so runs stay reproducible.
/// </summary>
internal sealed class DivergenceGuard : TrainingCallback
{
    private const int OutputCheckRows = TrainingDataLoader.FirstRowsKept;

    private readonly IBatchSource _train;
    private readonly IReadOnlyList<IBatchNormLayer> _layers;
    private readonly SampleShape _sampleShape;
    private readonly Func<TrainingState, string, TrainingDivergence> _diverged;

    /// <param name="train">The training rows, whose first ones the outputs are checked on.</param>
    /// <param name="layers">The network's batch norms, whose frozen ones stay in inference mode afterwards.</param>
    /// <param name="sampleShape">How rows are viewed before the network reads them.</param>
    /// <param name="diverged">Restores the best weights it can and describes the divergence, given what broke.</param>
    public DivergenceGuard(IBatchSource train, IReadOnlyList<IBatchNormLayer> layers, SampleShape sampleShape, Func<TrainingState, string, TrainingDivergence> diverged)
    {
        _train = train;
        _layers = layers;
        _sampleShape = sampleShape;
        _diverged = diverged;
    }

    public override void OnEpochTrained(TrainingState state, EpochMeasurements measurements)
    {
        if (Broken(state.Network) is string broken)
            throw _diverged(state, broken);
    }

    /// <summary>What holds a NaN or ±∞: a parameter or buffer, or else the outputs for the first training rows; null when all is finite.</summary>
    private string? Broken(nn.Module<Tensor, Tensor> network)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers()))
        {
            if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
                return $"the weights of '{name}'";
        }
        network.eval();
        try
        {
            var rows = _train.FirstRows(OutputCheckRows);
            var output = network.forward(_sampleShape.ToSamples(rows));
            return output.isfinite().all().item<bool>() ? null : $"the network's outputs for the first {rows.shape[0]} training rows";
        }
        finally
        {
            BatchNormLayers.Train(network, _layers);
        }
    }
}
