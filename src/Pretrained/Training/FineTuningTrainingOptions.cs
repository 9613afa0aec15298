using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// The trainer core's options for phase 2, built from <see cref="ImageTransferLearningOptions"/> and
/// <see cref="FineTuningOptions"/>; what is trained (the plan) joins the checkpoint fingerprint, so a checkpoint of other
/// unfrozen layers is never resumed.
/// </summary>
internal sealed class FineTuningTrainingOptions(string plan) : TrainingOptions
{
    internal override void AddToFingerprint(FingerprintText f)
    {
        base.AddToFingerprint(f);
        f.Add("FineTuningPlan", plan);
    }
}
