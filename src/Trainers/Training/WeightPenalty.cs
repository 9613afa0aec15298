using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// L1 and L2 penalties on dense-layer weights, added to the loss as Keras' <c>kernel_regularizer</c>
/// does: λ₁·Σ|w| + λ₂·Σw². Biases, batch-norm and PReLU parameters are never penalized.
/// </summary>
internal sealed class WeightPenalty : IDisposable
{
    private readonly IReadOnlyList<Tensor> _weights;
    private readonly double _l1;
    private readonly double _l2;
    // Held for the whole run, so no call here makes a temporary Scalar (square() is pow(2), mul(double) converts,
    // add(Tensor) passes alpha = 1): one can be finalized by a garbage collection while libtorch still reads it,
    // which failed 43,000-row runs with "Unknown scalar type" and a failed toFloat check after ~100,000 steps.
    private readonly Scalar _l1Factor;
    private readonly Scalar _l2Factor;
    private readonly Scalar _two = 2;
    private readonly Scalar _one = 1;

    public WeightPenalty(IReadOnlyList<Tensor> denseWeights, double l1, double l2)
    {
        _weights = denseWeights;
        _l1 = l1;
        _l2 = l2;
        _l1Factor = l1;
        _l2Factor = l2;
    }

    public bool IsActive => (_l1 > 0 || _l2 > 0) && _weights.Count > 0;

    /// <summary>The penalty as a differentiable scalar tensor; call only when <see cref="IsActive"/>.</summary>
    public Tensor Compute()
    {
        Tensor? total = null;
        foreach (var w in _weights)
        {
            if (_l1 > 0)
                total = Accumulate(total, w.abs().sum().mul(_l1Factor));
            if (_l2 > 0)
                total = Accumulate(total, w.pow(_two).sum().mul(_l2Factor));
        }
        return total ?? throw new InvalidOperationException("No penalty is configured.");
    }

    /// <summary><paramref name="loss"/> plus the penalty; call only when <see cref="IsActive"/>.</summary>
    public Tensor AddTo(Tensor loss) => loss.add(Compute(), _one);

    public void Dispose()
    {
        _l1Factor.Dispose();
        _l2Factor.Dispose();
        _two.Dispose();
        _one.Dispose();
    }

    private Tensor Accumulate(Tensor? total, Tensor term) => total is null ? term : total.add(term, _one);
}
