using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// Records each dense layer's weight-gradient norm every step (before clipping), averages it per
/// epoch, and warns when the first layer's norm is below 1e-3× or above 1e3× the last layer's:
/// the signatures of vanishing and exploding gradients.
/// </summary>
internal sealed class GradientNormRecorder : TrainingCallback, IDisposable
{
    public const double VanishingRatio = 1e-3;
    public const double ExplodingRatio = 1e3;

    private (string Name, Tensor Weight)[] _layers = Array.Empty<(string, Tensor)>();
    private Tensor? _sums;
    private long _steps;

    public override void OnTrainingBegin(TrainingState state)
    {
        _layers = Network.ModuleTree.Leaves(state.Network)
            .Where(m => m.Module is Linear)
            .Select(m => (m.Name, (Tensor)((Linear)m.Module).weight!))
            .ToArray();
    }

    public override void OnAfterBackward(TrainingState state)
    {
        if (_layers.Length == 0)
            return;
        // Summed on the device and read once per epoch, so recording adds no per-step synchronisation.
        using var _ = no_grad();
        using var norms = stack(_layers.Select(l => l.Weight.grad is { } g ? g.norm() : zeros(1).squeeze()).ToArray());
        if (_sums is null)
            _sums = norms.detach().clone().DetachFromDisposeScope();
        else
            _sums.add_(norms);
        _steps++;
    }

    public override void OnEpochEnd(TrainingState state, EpochRecord record)
    {
        if (_sums is null || _steps == 0)
            return;
        // to() returns a new handle even when the tensor is already on the CPU.
        using var onCpu = _sums.to(CPU);
        var means = onCpu.data<float>().ToArray();
        var byLayer = new Dictionary<string, double>();
        for (int i = 0; i < _layers.Length; i++)
            byLayer[_layers[i].Name] = means[i] / (double)_steps;
        state.GradientNorms.Add(new GradientNormRecord(record.Epoch, byLayer));
        _sums.Dispose();
        _sums = null;
        _steps = 0;

        double first = byLayer[_layers[0].Name], last = byLayer[_layers[^1].Name];
        if (last > 0 && first < VanishingRatio * last)
            state.Host.Warning(Describe("Vanishing gradients", record.Epoch, first, last));
        else if (last > 0 && first > ExplodingRatio * last)
            state.Host.Warning(Describe("Exploding gradients", record.Epoch, first, last));
    }

    public void Dispose()
    {
        _sums?.Dispose();
        _sums = null;
    }

    private static string Describe(string what, int epoch, double first, double last) => FormattableString.Invariant(
        $"{what} at epoch {epoch}: the first layer's mean gradient norm {first:G3} is {first / last:G3}× the last layer's {last:G3}. Consider ReLU-family activations with He initialization, batch normalization, or gradient clipping.");
}
