using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Tests.Support;

/// <summary>Cancels the token at the third batch of a given epoch.</summary>
internal sealed class CancelDuringEpoch : TrainingCallback
{
    private readonly int _epoch;
    private readonly CancellationTokenSource _source;
    private int _batches;

    public CancelDuringEpoch(int epoch, CancellationTokenSource source)
    {
        _epoch = epoch;
        _source = source;
    }

    public override void OnBatchEnd(TrainingState state)
    {
        if (state.Epoch == _epoch && ++_batches == 3)
            _source.Cancel();
    }
}
