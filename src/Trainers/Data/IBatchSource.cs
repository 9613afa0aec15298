using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// Where the training loop gets its rows: batches for a training epoch, batches in order for evaluation, and a
/// few first rows for the post-epoch output check. In memory (<see cref="InMemoryBatchSource"/>) or streamed
/// from the view every pass (<see cref="StreamingBatchSource"/>); the loop cannot tell them apart.
/// </summary>
/// <remarks>
/// A batch is valid until the enumeration moves on: a streamed batch's buffer is then refilled, so the
/// caller disposes each batch before asking for the next and keeps no tensor that shares its memory.
/// </remarks>
internal interface IBatchSource : IDisposable
{
    /// <summary>The rows of one pass.</summary>
    long RowCount { get; }

    /// <summary>The feature vector length.</summary>
    int FeatureCount { get; }

    /// <summary>
    /// One training epoch's batches, laid out by <see cref="BatchPlan.Batches"/>. With <paramref name="shuffle"/>,
    /// the order is drawn from <paramref name="generator"/>, so a seed reproduces it.
    /// </summary>
    IEnumerable<TrainingBatch> Epoch(int batchSize, bool shuffle, bool hasBatchNorm, Generator generator, CancellationToken cancellationToken);

    /// <summary>Every row in order, in batches of <paramref name="batchSize"/>, for evaluation.</summary>
    IEnumerable<TrainingBatch> InOrder(int batchSize, CancellationToken cancellationToken);

    /// <summary>The first rows' features (at most <paramref name="rows"/>) on the training device; the caller disposes the tensor.</summary>
    Tensor FirstRows(int rows);

    /// <summary>The rows batch-normalization statistics are computed from (<see cref="StatisticsSample"/>), on the training device; the caller disposes the tensor.</summary>
    Tensor StatisticsRows();

    /// <summary>Every feature's exact mean and variance over all the rows.</summary>
    FeatureMoments FeatureMoments();
}
