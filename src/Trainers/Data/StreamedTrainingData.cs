using static TorchSharp.torch;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Data;

/// <summary>Training and validation rows that stay in their views: the pre-pass summaries, and <see cref="StreamingBatchSource"/>s over the views.</summary>
internal sealed class StreamedTrainingData : PreparedTrainingData
{
    private readonly StreamedRows _trainRows;
    private readonly StreamedSubsetSummary _train;
    private readonly StreamedRows? _validationRows;
    private readonly StreamedSubsetSummary? _validation;
    private readonly int _shuffleBufferRows;

    public StreamedTrainingData(int featureCount, TargetStatistics allTargets, StreamedRows trainRows, StreamedSubsetSummary train,
        StreamedRows? validationRows, StreamedSubsetSummary? validation, int shuffleBufferRows)
        : base(featureCount, allTargets, train.Targets, validation?.Targets)
    {
        _trainRows = trainRows;
        _train = train;
        _validationRows = validationRows;
        _validation = validation;
        _shuffleBufferRows = shuffleBufferRows;
    }

    public override bool IsStreamed => true;

    public override string Fingerprint(DeepNeuralNetworkOptions options, int seed) =>
        RunFingerprint.Compute(options, seed, _train.RowCount, _train.Digest(), _validation?.RowCount ?? 0, _validation?.Digest() ?? Array.Empty<byte>());

    public override (IBatchSource Train, IBatchSource? Validation) CreateSources(ITrainingObjective objective, Device device)
    {
        var train = new StreamingBatchSource(_trainRows, _train.RowCount, FeatureCount, _train.FirstRows, _train.StatisticsRows.ToArray(), _train.Moments, objective, device, _shuffleBufferRows);
        var validation = _validationRows is null || _validation is null ? null
            : new StreamingBatchSource(_validationRows, _validation.RowCount, FeatureCount, _validation.FirstRows, _validation.StatisticsRows.ToArray(), _validation.Moments, objective, device, _shuffleBufferRows);
        return (train, validation);
    }
}
