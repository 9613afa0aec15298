using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// Max-norm regularization (Géron ch. 11): after each step, every unit's incoming weight vector
/// ‖w‖₂ is scaled down to at most r. Torch stores dense weights as [out, in], so each row is a unit.
/// </summary>
internal sealed class MaxNormConstraint : TrainingCallback
{
    private readonly float _maxNorm;
    private IReadOnlyList<Tensor> _weights = Array.Empty<Tensor>();

    public MaxNormConstraint(double maxNorm) => _maxNorm = (float)maxNorm;

    public override void OnTrainingBegin(TrainingState state) => _weights = NetworkBuilder.DenseWeights(state.Network);

    public override void OnBatchEnd(TrainingState state)
    {
        using var _ = no_grad();
        foreach (var weight in _weights)
        {
            using var constrained = weight.renorm(2, 0, _maxNorm);
            weight.copy_(constrained);
        }
    }
}
