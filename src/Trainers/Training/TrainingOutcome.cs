using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>What a finished run hands to the trainer: the epoch history and the recorded gradient norms.</summary>
internal sealed record TrainingOutcome(TrainingHistory History, IReadOnlyList<GradientNormRecord> GradientNorms);
