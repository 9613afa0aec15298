using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>The share of rows predicted right; each task says which rows of a batch are hits.</summary>
internal sealed class AccuracyAccumulator : IMetricAccumulator
{
    private readonly Func<Tensor, Tensor, Tensor> _hits;
    private long _correct;
    private long _count;

    /// <param name="hits">Maps a batch's (output, target) to a Boolean tensor, true for rows predicted right.</param>
    public AccuracyAccumulator(Func<Tensor, Tensor, Tensor> hits) => _hits = hits;

    public void Add(Tensor output, Tensor target)
    {
        using var hits = _hits(output, target);
        using var sum = hits.sum();
        _correct += sum.item<long>();
        _count += target.shape[0];
    }

    public double Result() => _count == 0 ? double.NaN : (double)_correct / _count;

    public void Dispose()
    {
    }
}
