namespace MLNetDeep.Trainers.Data;

/// <summary>Where an epoch's mini-batches start and end; every batch source follows it, so in-memory and streamed epochs step alike.</summary>
internal static class BatchPlan
{
    /// <summary>
    /// Batch boundaries. Batch normalization cannot compute statistics from a single row in training
    /// mode, so with BN a trailing one-row batch is skipped for that epoch (shuffling varies which row).
    /// </summary>
    public static IEnumerable<(long Start, long Count)> Batches(long rows, int batchSize, bool hasBatchNorm)
    {
        for (long start = 0; start < rows; start += batchSize)
        {
            long count = Math.Min(batchSize, rows - start);
            if (count == 1 && hasBatchNorm && start > 0)
                yield break;
            yield return (start, count);
        }
    }
}
