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

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin-wait for work between operators (ONNX Runtime's own default);
    /// default <see langword="false"/>: MLNetDeep sets <c>session.intra_op.allow_spinning</c> to "0", because on a machine
    /// whose cores are shared the spinning burns the CPU the work needs (BENCHMARKS.md section 9). Set true on a
    /// dedicated machine where the lowest latency of small batches matters more than CPU use.
    /// </summary>
    public bool AllowSpinning { get; set; }

    internal Onnx.OnnxSessionSettings SessionSettings => new(IntraOpThreads, AllowSpinning);

    internal void Validate()
    {
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"{nameof(BatchPredictorOptions)}.{nameof(BatchSize)} must be at least 1; it was {BatchSize}.");
        if (IntraOpThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, $"{nameof(BatchPredictorOptions)}.{nameof(IntraOpThreads)} must be 0 (ONNX Runtime's default) or more; it was {IntraOpThreads}.");
    }
}
