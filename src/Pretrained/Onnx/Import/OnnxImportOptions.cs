namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>Options for <see cref="OnnxImporter"/>. Every property has a default that suits a single-input, single-output graph.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>
    /// The graph input that the module's <c>forward</c> receives. The default, <see langword="null"/>, takes the
    /// graph's only input that is not an initializer (an error when there are several).
    /// </summary>
    public string? InputName { get; init; }

    /// <summary>
    /// The tensor that the module's <c>forward</c> returns: a graph output or any intermediate tensor (the nodes
    /// it does not need are left out). The default, <see langword="null"/>, takes the graph's only output (an error
    /// when there are several).
    /// </summary>
    public string? OutputName { get; init; }

    /// <summary>How BatchNormalization behaves while training; the default is <see cref="BatchNormStatisticsMode.UpdateWhileTraining"/>. Can be changed later on the module.</summary>
    public BatchNormStatisticsMode BatchNormStatistics { get; init; } = BatchNormStatisticsMode.UpdateWhileTraining;

    /// <summary>
    /// Where tensors stored outside the model file (<c>external_data</c>) are looked for. The default,
    /// <see langword="null"/>, is the model file's folder when loading from a path; loading from a stream or a
    /// <c>ModelProto</c> with external tensors then fails with a clear error.
    /// </summary>
    public string? ExternalDataDirectory { get; init; }
}
