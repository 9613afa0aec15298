namespace MLNetDeep.Transforms.Hosting;

/// <summary>Why a requested GPU cannot be used, as a runtime (libtorch, ONNX Runtime) reports it.</summary>
/// <param name="Reason">What is missing, as a clause: "libtorch has no CUDA support in this process".</param>
/// <param name="Remedy">What gives the GPU, as an imperative: "reference a CUDA libtorch package".</param>
/// <param name="Detail">The runtime's own message, quoted after the sentence; null when the reason says it all.</param>
internal sealed record GpuUnavailable(string Reason, string Remedy, string? Detail = null);
