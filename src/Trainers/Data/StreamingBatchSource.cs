using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// Reads every epoch from the view through a row cursor into fixed batch buffers, shuffling through a
/// <see cref="ShuffleBuffer"/>: memory is the shuffle buffer plus one batch, whatever the number of rows.
/// The row count and the first rows come from a pre-pass (<see cref="StreamedSubsetSummary"/>), so batches
/// follow the same <see cref="BatchPlan"/> as in memory, and without shuffling they hold the same rows.
/// </summary>
internal sealed class StreamingBatchSource : IBatchSource
{
    // Filling a large shuffle buffer reads many rows before the first batch: cancellation is checked on the way.
    private const int RowsPerCancellationCheck = 4096;

    private readonly StreamedRows _rows;
    private readonly ITrainingObjective _objective;
    private readonly Device _device;
    private readonly int _shuffleBufferRows;
    private readonly float[] _firstRows;
    private readonly float[] _statisticsRows;
    private readonly FeatureMoments _moments;
    private ShuffleBuffer? _buffer;

    /// <param name="rows">The rows to read each pass.</param>
    /// <param name="rowCount">How many rows a pass gives, from the pre-pass.</param>
    /// <param name="featureCount">The feature vector length.</param>
    /// <param name="firstRows">The first rows' features, row-major, from the pre-pass.</param>
    /// <param name="statisticsRows">The rows for batch-normalization statistics, row-major, from the pre-pass.</param>
    /// <param name="moments">Every feature's moments over all the rows, from the pre-pass.</param>
    /// <param name="objective">Turns targets into the loss's tensor.</param>
    /// <param name="device">The training device.</param>
    /// <param name="shuffleBufferRows">The most rows the shuffle holds.</param>
    public StreamingBatchSource(StreamedRows rows, long rowCount, int featureCount, float[] firstRows, float[] statisticsRows, FeatureMoments moments,
        ITrainingObjective objective, Device device, int shuffleBufferRows)
    {
        _rows = rows;
        RowCount = rowCount;
        FeatureCount = featureCount;
        _firstRows = firstRows;
        _statisticsRows = statisticsRows;
        _moments = moments;
        _objective = objective;
        _device = device;
        _shuffleBufferRows = shuffleBufferRows;
    }

    public long RowCount { get; }

    public int FeatureCount { get; }

    /// <summary>The most rows the shuffle buffer has held at once, over every epoch so far: what bounds the memory.</summary>
    public int PeakRowsBuffered { get; private set; }

    public IEnumerable<TrainingBatch> Epoch(int batchSize, bool shuffle, bool hasBatchNorm, Generator generator, CancellationToken cancellationToken)
    {
        // One draw from the training generator seeds the epoch's shuffle, so a seed (and a resumed
        // checkpoint, which restores the generator) reproduces the order.
        ShuffleBuffer? buffer = null;
        if (shuffle)
        {
            using var draw = randint(int.MaxValue, new long[] { 1 }, dtype: ScalarType.Int64, generator: generator);
            // Kept from epoch to epoch: a fresh buffer each epoch would have the runtime zero and fault in its pages again.
            buffer = _buffer ??= new ShuffleBuffer((int)Math.Min(_shuffleBufferRows, RowCount), FeatureCount);
            buffer.Restart((int)draw.item<long>());
        }
        using var plan = BatchPlan.Batches(RowCount, batchSize, hasBatchNorm).GetEnumerator();
        if (!plan.MoveNext())
            yield break;
        long planned = plan.Current.Count;
        var batch = new BatchAssembler(batchSize, FeatureCount, _objective, _device);
        var incoming = new float[FeatureCount];
        long read = 0;
        bool ended = false;
        using var cursor = _rows.Open();
        while (true)
        {
            float target = 0;
            if (!ended && !(ended = !_rows.MoveNext(cursor, incoming, out target)))
            {
                if (++read % RowsPerCancellationCheck == 0)
                    cancellationToken.ThrowIfCancellationRequested();
                if (buffer is null)
                {
                    batch.Append(incoming, target);
                }
                else if (!buffer.IsFull)
                {
                    buffer.Add(incoming, target);
                    PeakRowsBuffered = Math.Max(PeakRowsBuffered, buffer.Held);
                    continue;
                }
                else
                {
                    int slot = buffer.PickSlot();
                    batch.Append(buffer.Features(slot), buffer.Target(slot));
                    buffer.Put(slot, incoming, target);
                }
            }
            else if (buffer is { Held: > 0 })
            {
                int slot = buffer.PickSlot();
                batch.Append(buffer.Features(slot), buffer.Target(slot));
                buffer.Remove(slot);
            }
            else
            {
                throw ChangedBetweenPasses(read);
            }

            if (batch.Count == planned)
            {
                yield return batch.Take();
                if (!plan.MoveNext())
                    yield break;
                planned = plan.Current.Count;
            }
        }
    }

    public IEnumerable<TrainingBatch> InOrder(int batchSize, CancellationToken cancellationToken)
    {
        var batch = new BatchAssembler(batchSize, FeatureCount, _objective, _device);
        var incoming = new float[FeatureCount];
        long read = 0;
        using var cursor = _rows.Open();
        while (_rows.MoveNext(cursor, incoming, out float target))
        {
            read++;
            batch.Append(incoming, target);
            if (batch.Count == batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return batch.Take();
            }
        }
        if (batch.Count > 0)
            yield return batch.Take();
        if (read != RowCount)
            throw ChangedBetweenPasses(read);
    }

    public Tensor FirstRows(int rows)
    {
        long count = Math.Min(rows, _firstRows.Length / FeatureCount);
        return OnDevice(_firstRows[..(int)(count * FeatureCount)]);
    }

    public Tensor StatisticsRows() => OnDevice(_statisticsRows);

    public FeatureMoments FeatureMoments() => _moments;

    private Tensor OnDevice(float[] rowMajor)
    {
        using var flat = tensor(rowMajor);
        using var matrix = flat.view(rowMajor.Length / FeatureCount, FeatureCount);
        return matrix.to(_device, copy: true);
    }

    public void Dispose()
    {
    }

    private InvalidOperationException ChangedBetweenPasses(long read) => new(
        $"The {_rows.DataRole} data gave {read} usable rows in this pass but {RowCount} in the first; a streamed IDataView must give the same rows " +
        "on every pass (a random transform without a fixed seed?). Set DeepNeuralNetworkOptions.DataLoading = InMemory to read it once.");
}
