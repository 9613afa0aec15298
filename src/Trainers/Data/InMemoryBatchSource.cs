using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// All rows in one feature tensor and one target tensor on the training device; an epoch gathers its batches
/// with <c>index_select</c> through a permutation. The fastest source, for data that fits in memory.
/// </summary>
internal sealed class InMemoryBatchSource : IBatchSource
{
    private readonly Tensor _features;
    private readonly Tensor _targets;
    private readonly Device _device;
    private readonly float[] _rowMajor;

    /// <remarks>
    /// On the CPU the feature tensor is the matrix's own array (<c>as_tensor</c> pins it rather than copying),
    /// so the rows are held once, not twice; the matrix must not change afterwards.
    /// </remarks>
    public InMemoryBatchSource(TrainingMatrix matrix, ITrainingObjective objective, Device device)
    {
        _device = device;
        RowCount = matrix.RowCount;
        FeatureCount = matrix.FeatureCount;
        _rowMajor = matrix.Features;
        using (var flat = as_tensor(matrix.Features))
        using (var rows = flat.view(RowCount, FeatureCount))
            _features = rows.to(device);
        _targets = objective.CreateTargets(matrix.Targets, device);
    }

    public long RowCount { get; }

    public int FeatureCount { get; }

    public IEnumerable<TrainingBatch> Epoch(int batchSize, bool shuffle, bool hasBatchNorm, Generator generator, CancellationToken cancellationToken)
    {
        using var order = shuffle ? OnDevice(randperm(RowCount, generator: generator)) : arange(RowCount, device: _device);
        foreach (var (start, count) in BatchPlan.Batches(RowCount, batchSize, hasBatchNorm))
        {
            using var rows = order.narrow(0, start, count);
            yield return new TrainingBatch(_features.index_select(0, rows), _targets.index_select(0, rows), count);
        }
    }

    public IEnumerable<TrainingBatch> InOrder(int batchSize, CancellationToken cancellationToken)
    {
        for (long start = 0; start < RowCount; start += batchSize)
        {
            long count = Math.Min(batchSize, RowCount - start);
            yield return new TrainingBatch(_features.narrow(0, start, count), _targets.narrow(0, start, count), count);
        }
    }

    public Tensor FirstRows(int rows) => _features.narrow(0, 0, Math.Min(RowCount, rows));

    public FeatureMoments FeatureMoments() => Data.FeatureMoments.Of(_rowMajor, FeatureCount);

    public Tensor StatisticsRows()
    {
        long stride = StatisticsSample.Stride(RowCount, StatisticsSample.MaximumRows(FeatureCount));
        if (stride == 1)
            return _features.alias();
        using var indices = arange(0, RowCount, stride, device: _features.device);
        return _features.index_select(0, indices);
    }

    public void Dispose()
    {
        _features.Dispose();
        _targets.Dispose();
    }

    /// <summary>The tensor moved to the training device; the source is disposed, since to() returns a new handle even on the same device.</summary>
    private Tensor OnDevice(Tensor source)
    {
        using (source)
            return source.to(_device);
    }
}
