namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>Options for <see cref="OnnxGraphSplice.Splice"/>. The defaults suit a single-output backbone and a single-input head.</summary>
public sealed record OnnxSpliceOptions
{
    /// <summary>The backbone tensor that feeds the head. The default, <see langword="null"/>, takes the backbone's only graph output.</summary>
    public string? BackboneOutput { get; init; }

    /// <summary>The head's graph input that the backbone tensor replaces. The default, <see langword="null"/>, takes the head's only input that is not an initializer.</summary>
    public string? HeadInput { get; init; }

    /// <summary>Put before a head name (tensor, initializer or node) that the backbone already uses; default <c>"head_"</c>.</summary>
    public string CollisionPrefix { get; init; } = "head_";

    /// <summary>Whether the backbone tensor stays a graph output beside the head's outputs; default <see langword="false"/>.</summary>
    public bool KeepBackboneOutput { get; init; }
}
