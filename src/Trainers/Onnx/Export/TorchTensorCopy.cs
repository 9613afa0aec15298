using TorchSharp;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Copies torch tensors into managed float32 arrays, whatever their device and dtype. The module's own tensors are only
/// read: everything the copy creates lives in a dispose scope, and the arrays are the exporter's to change.
/// </summary>
internal static class TorchTensorCopy
{
    /// <summary>The elements of <paramref name="tensor"/> in row-major order, as float32.</summary>
    public static float[] ToFloats(torch.Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return tensor.detach().cpu().to_type(torch.ScalarType.Float32).contiguous().data<float>().ToArray();
    }
}
