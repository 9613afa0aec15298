namespace MLNetDeep.Pretrained.FeatureExtraction;

/// <summary>Options for <see cref="OnnxFeatureExtractor"/>. The defaults run batches of 32 on the CPU with ONNX Runtime's default thread count.</summary>
public sealed record OnnxFeatureExtractorOptions
{
    /// <summary>How many samples go through the model per run; default 32. The last batch may be smaller.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Threads ONNX Runtime uses inside one operator; default 0, which lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// The CUDA device to run on; default <see langword="null"/>, the CPU. CUDA needs the application to reference
    /// Microsoft.ML.OnnxRuntime.Gpu; without it (or without a usable GPU) the extractor falls back to the CPU and
    /// reports a warning through <see cref="Warning"/>.
    /// </summary>
    public int? GpuDeviceId { get; init; }

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
