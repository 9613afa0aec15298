using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Data;

/// <summary>One mini-batch on the training device: features [Count, width] and the objective's targets. Disposing it frees both.</summary>
internal readonly record struct TrainingBatch(Tensor Features, Tensor Targets, long Count) : IDisposable
{
    public void Dispose()
    {
        Features.Dispose();
        Targets.Dispose();
    }
}
