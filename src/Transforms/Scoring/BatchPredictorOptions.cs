namespace MLNetDeep.Transforms.Scoring;

/// <summary>How a <see cref="BatchPredictor"/> feeds ONNX Runtime.</summary>
public sealed class BatchPredictorOptions
{
    /// <summary>
    /// Rows per ONNX Runtime call; default 1,024. Larger batches amortize the per-call overhead that makes ML.NET's
    /// row-at-a-time path slow; the input buffer of one call holds <c>BatchSize × features</c> floats.
    /// </summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>
    /// ONNX Runtime's intra-op threads; default 0, ONNX Runtime's own choice (one per physical core). Set 1 on a
    /// machine shared with other work, or when the application scores from several threads at once.
    /// </summary>
    public int IntraOpThreads { get; set; }

    internal void Validate()
    {
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"{nameof(BatchPredictorOptions)}.{nameof(BatchSize)} must be at least 1; it was {BatchSize}.");
        if (IntraOpThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, $"{nameof(BatchPredictorOptions)}.{nameof(IntraOpThreads)} must be 0 (ONNX Runtime's default) or more; it was {IntraOpThreads}.");
    }
}
