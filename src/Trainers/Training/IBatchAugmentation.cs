using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Changes each training batch before the forward pass (random crops, flips, colour jitter…); validation,
/// statistics and export never see it. Its randomness comes from the loop's seeded generator, so a seed
/// reproduces the run, and a resumed run continues the same sequence.
/// </summary>
internal interface IBatchAugmentation
{
    /// <summary>The augmented batch, shaped as <paramref name="samples"/> ([batch, ..sample shape]); the caller's dispose scope owns it.</summary>
    Tensor Augment(Tensor samples, Generator generator);
}
