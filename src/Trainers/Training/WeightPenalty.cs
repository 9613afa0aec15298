using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// L1 and L2 penalties on dense-layer weights, added to the loss as Keras' <c>kernel_regularizer</c>
/// does: λ₁·Σ|w| + λ₂·Σw². Biases, batch-norm and PReLU parameters are never penalized.
/// </summary>
internal sealed class WeightPenalty
{
    private readonly IReadOnlyList<Tensor> _weights;
    private readonly double _l1;
    private readonly double _l2;

    public WeightPenalty(IReadOnlyList<Tensor> denseWeights, double l1, double l2)
    {
        _weights = denseWeights;
        _l1 = l1;
        _l2 = l2;
    }

    public bool IsActive => _l1 > 0 || _l2 > 0;

    /// <summary>The penalty as a differentiable scalar tensor; call only when <see cref="IsActive"/>.</summary>
    public Tensor Compute()
    {
        Tensor? total = null;
        foreach (var w in _weights)
        {
            if (_l1 > 0)
                total = Accumulate(total, w.abs().sum().mul(_l1));
            if (_l2 > 0)
                total = Accumulate(total, w.square().sum().mul(_l2));
        }
        return total ?? throw new InvalidOperationException("No penalty is configured.");
    }

    private static Tensor Accumulate(Tensor? total, Tensor term) => total is null ? term : total.add(term);
}
