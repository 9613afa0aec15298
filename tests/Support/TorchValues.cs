using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Tests.Support;

/// <summary>Moves float data between arrays and TorchSharp tensors in tests.</summary>
internal static class TorchValues
{
    public static Tensor FromArray(float[] values, params long[] shape) => torch.tensor(values, shape);

    public static float[] ToArray(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
