using static TorchSharp.torch;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// The training (and validation) rows once read or pre-passed: the target statistics Fit checks and builds the
/// objective from, the checkpoint fingerprint, and then the batch sources the loop trains from.
/// </summary>
internal abstract class PreparedTrainingData
{
    private protected PreparedTrainingData(int featureCount, TargetStatistics allTargets, TargetStatistics trainTargets, TargetStatistics? validationTargets)
    {
        FeatureCount = featureCount;
        AllTargets = allTargets;
        TrainTargets = trainTargets;
        ValidationTargets = validationTargets;
    }

    /// <summary>The feature vector length.</summary>
    public int FeatureCount { get; }

    /// <summary>Every usable row of the training data, before a ValidationFraction split.</summary>
    public TargetStatistics AllTargets { get; }

    /// <summary>The rows trained on.</summary>
    public TargetStatistics TrainTargets { get; }

    /// <summary>The validation rows, or null without validation.</summary>
    public TargetStatistics? ValidationTargets { get; }

    /// <summary>Whether the rows are streamed, for the log.</summary>
    public abstract bool IsStreamed { get; }

    /// <summary>The checkpoint fingerprint of the run over these rows.</summary>
    public abstract string Fingerprint(DeepNeuralNetworkOptions options, int seed);

    /// <summary>The sources for the loop; the caller disposes them. Call once: in-memory rows are handed over to them.</summary>
    public abstract (IBatchSource Train, IBatchSource? Validation) CreateSources(ITrainingObjective objective, Device device);
}
