namespace MLNetDeep.Pretrained.FeatureExtraction;

/// <summary>Options for <see cref="OnnxFeatureExtractor"/>. The defaults run batches of 32 on the CPU with ONNX Runtime's default thread count.</summary>
public sealed record OnnxFeatureExtractorOptions
{
    /// <summary>How many samples go through the model per run; default 32. The last batch may be smaller.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Threads ONNX Runtime uses inside one operator; default 0, which lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin-wait for work between operators (ONNX Runtime's own default);
    /// default <see langword="false"/>: the extractor sets <c>session.intra_op.allow_spinning</c> to "0". On 2 shared
    /// cores the spinning cost 1.6× the CPU time per image at batch 1 and gave nothing at batch 32 (BENCHMARKS.md
    /// section 9). Set true on a dedicated machine where the lowest latency of small batches matters more than CPU use.
    /// </summary>
    public bool AllowSpinning { get; init; }

    internal Transforms.Onnx.OnnxSessionSettings SessionSettings => new(IntraOpThreads, AllowSpinning);

    /// <summary>
    /// The CUDA device to run on; default <see langword="null"/>, the CPU. CUDA needs the application to reference
    /// Microsoft.ML.OnnxRuntime.Gpu; without it (or without a usable GPU) the extractor falls back to the CPU and
    /// reports a warning through <see cref="Warning"/>, or fails when <see cref="FallbackToCpu"/> is false.
    /// </summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>
    /// Whether a <see cref="GpuDeviceId"/> that cannot be used means the CPU (with a warning) rather than an error;
    /// default <see langword="true"/>. The rule is the one training and scoring apply with
    /// <c>MLContext.FallbackToCpu</c>; the default differs because an extractor run on its own has no context to
    /// say otherwise, and its results do not depend on the device. Code that builds an extractor for an
    /// <c>MLContext</c> passes the context's value.
    /// </summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>
    /// Whether a model whose batch dimension is fixed (ResNet18.onnx fixes it at 1) is made batch-dynamic so that
    /// <see cref="BatchSize"/> samples run at once; default <see langword="true"/>.
    /// </summary>
    public bool MakeBatchDynamic { get; init; } = true;

    /// <summary>The model input to feed; default <see langword="null"/>, the model's only input.</summary>
    public string? InputName { get; init; }

    /// <summary>The model output to return; default <see langword="null"/>, the model's first output.</summary>
    public string? OutputName { get; init; }

    /// <summary>Receives warnings (such as the CUDA fallback); default <see langword="null"/>, which writes them with <see cref="System.Diagnostics.Trace.TraceWarning(string)"/>.</summary>
    public Action<string>? Warning { get; init; }
}
