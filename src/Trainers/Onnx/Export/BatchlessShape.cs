using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Helpers for shapes that exclude the batch dimension (what exporters pass around). Torch dims count the batch
/// dimension as 0, so a dim of a sample shaped [C, L] is 1 or 2 (or -2, -1).
/// </summary>
internal static class BatchlessShape
{
    /// <summary>The shape as the tensor has it, with the symbolic batch dimension N first, e.g. "[N, 3, 8]".</summary>
    public static string Describe(IReadOnlyList<long> shape) =>
        shape.Count == 0 ? "[N]" : $"[N, {string.Join(", ", shape)}]";

    /// <summary>
    /// Turns a torch dim (negative counts from the end) into a non-negative index over the batched tensor's axes.
    /// </summary>
    /// <exception cref="NotSupportedException">The dim is out of range for the tensor.</exception>
    public static int NormalizeDim(long dim, IReadOnlyList<long> shape, string path, Module module)
    {
        var rank = shape.Count + 1;
        var normalized = dim < 0 ? dim + rank : dim;
        if (normalized < 0 || normalized >= rank)
            throw ExportErrors.Unsupported(path, module, $"dim {dim} is out of range for its input shaped {Describe(shape)}");
        return (int)normalized;
    }

    /// <summary>The channels, height and width of an image-shaped sample [C, H, W], the tensor being [N, C, H, W].</summary>
    /// <exception cref="NotSupportedException">The sample is not [C, H, W].</exception>
    public static (long Channels, long Height, long Width) Image(IReadOnlyList<long> shape, string path, Module module)
    {
        if (shape.Count != 3)
            throw ExportErrors.Unsupported(path, module, $"it expects images shaped [N, C, H, W], but receives {Describe(shape)}");
        return (shape[0], shape[1], shape[2]);
    }
}
