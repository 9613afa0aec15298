using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// Writes TensorBoard event files each epoch: losses, metrics and the learning rate (train and
/// validation runs, Keras-style), per-layer gradient norms, and histograms of every dense layer's
/// weights and of the gradients of the epoch's last step.
/// </summary>
internal sealed class TensorBoardReporter : TrainingCallback, IDisposable
{
    private readonly string _directory;
    private TensorBoardTrainingLogger? _logger;
    private (string Name, Linear Layer)[] _layers = Array.Empty<(string, Linear)>();

    public TensorBoardReporter(string directory) => _directory = directory;

    public override void OnTrainingBegin(TrainingState state)
    {
        _logger = new TensorBoardTrainingLogger(_directory);
        _layers = Network.ModuleTree.Leaves(state.Network).Where(m => m.Module is Linear).Select(m => (m.Name, (Linear)m.Module)).ToArray();
    }

    public override void OnEpochEnd(TrainingState state, EpochRecord record)
    {
        if (_logger is null)
            return;
        // cpu() and grad hand out new tensor handles, even for tensors already on the CPU.
        using var scope = NewDisposeScope();
        foreach (var (name, layer) in _layers)
        {
            _logger.Train.AddHistogram($"weights/{name}", record.Epoch, layer.weight!.cpu().data<float>().ToArray());
            if (layer.weight!.grad is { } gradient)
                _logger.Train.AddHistogram($"gradients/{name}", record.Epoch, gradient.cpu().data<float>().ToArray());
        }
        if (state.GradientNorms.LastOrDefault() is { } norms && norms.Epoch == record.Epoch)
            _logger.LogGradientNorms(norms);
        _logger.LogEpoch(record, state.Objective.MetricName);
    }

    public void Dispose()
    {
        _logger?.Dispose();
        _logger = null;
    }
}
