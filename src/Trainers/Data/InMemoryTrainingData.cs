using static TorchSharp.torch;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Data;

/// <summary>Training and validation rows read into matrices, handed over to <see cref="InMemoryBatchSource"/>s.</summary>
internal sealed class InMemoryTrainingData : PreparedTrainingData
{
    private TrainingMatrix? _train;
    private TrainingMatrix? _validation;

    public InMemoryTrainingData(TargetStatistics allTargets, TrainingMatrix train, TrainingMatrix? validation, bool trackClasses)
        : base(train.FeatureCount, allTargets, TargetStatistics.Of(train.Targets, trackClasses),
            validation is null ? null : TargetStatistics.Of(validation.Targets, trackClasses))
    {
        _train = train;
        _validation = validation;
    }

    public override bool IsStreamed => false;

    public override string Fingerprint(DeepNeuralNetworkOptions options, int seed) =>
        RunFingerprint.Compute(options, seed, _train ?? throw HandedOver(), _validation);

    public override (IBatchSource Train, IBatchSource? Validation) CreateSources(ITrainingObjective objective, Device device)
    {
        var train = new InMemoryBatchSource(_train ?? throw HandedOver(), objective, device);
        var validation = _validation is null ? null : new InMemoryBatchSource(_validation, objective, device);
        // The sources hold the rows now (on the CPU as the same arrays); dropping these references lets a GPU
        // run free the host copy instead of keeping the data twice for the whole of training.
        _train = null;
        _validation = null;
        return (train, validation);
    }

    private static InvalidOperationException HandedOver() => new("The rows were already handed over to the batch sources.");
}
