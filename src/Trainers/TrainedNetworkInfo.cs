using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers;

/// <summary>What a fitted transformer records about its training run, besides the network itself.</summary>
internal sealed record TrainedNetworkInfo(
    TrainingHistory History, NetworkDescription Description, int Seed, IReadOnlyList<GradientNormRecord> GradientNorms, string FeatureColumnName);
