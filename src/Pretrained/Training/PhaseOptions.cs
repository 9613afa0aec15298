using Microsoft.ML;
using MLNetDeep.Trainers;

namespace MLNetDeep.Pretrained.Training;

/// <summary>The trainer-core options both phases take from <see cref="ImageTransferLearningOptions"/> alike.</summary>
internal static class PhaseOptions
{
    /// <summary>Sets the columns, optimizer, penalty, seed, validation, checkpoint subfolder, progress and threads of <paramref name="target"/>.</summary>
    /// <param name="target">A phase's options, with its own rate, epochs, batch size and early stopping already set, and its L2 when HeadSelection chose it (else the user's is set).</param>
    /// <param name="options">The user's options.</param>
    /// <param name="seed">The resolved seed.</param>
    /// <param name="validation">The phase's validation data (features or activations of the ValidationSet), or null for the user's ValidationFraction.</param>
    /// <param name="phase">The checkpoint subfolder: <c>phase1</c> or <c>phase2</c>.</param>
    public static T Shared<T>(T target, ImageTransferLearningOptions options, int seed, IDataView? validation, string phase)
        where T : TrainingOptions
    {
        target.LabelColumnName = options.LabelColumnName;
        target.FeatureColumnName = HeadData.FeaturesColumn;
        target.Optimizer = options.Optimizer;
        target.L2 ??= options.L2;
        target.Seed = seed;
        target.ValidationFraction = validation is null ? options.ValidationFraction : 0;
        target.ValidationSet = validation;
        target.CheckpointDirectory = options.CheckpointDirectory is { } checkpoints ? Path.Combine(checkpoints, phase) : null;
        target.Progress = options.Progress;
        target.NumberOfThreads = options.NumberOfThreads;
        target.RecordGradientNorms = false;
        return target;
    }
}
