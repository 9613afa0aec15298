using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>
/// Fills every parameter and moving statistic of a network with seeded random values, scaled so that ResNet50V2's
/// activations stay near 1 through all 16 residual sums (so that parity tolerances mean something).
/// </summary>
internal static class RandomWeights
{
    public static void Fill(nn.Module network, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in network.state_dict())
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                continue;
            using var values = name switch
            {
                _ when name.EndsWith("running_var", StringComparison.Ordinal) => torch.rand(tensor.shape, generator: generator) + 0.5,
                _ when name.EndsWith("running_mean", StringComparison.Ordinal) => torch.randn(tensor.shape, generator: generator) * 0.1,
                _ when tensor.dim() == 1 && IsNorm(network, name) && name.EndsWith(".weight", StringComparison.Ordinal) => torch.rand(tensor.shape, generator: generator) + 0.5,
                _ when tensor.dim() == 1 => torch.randn(tensor.shape, generator: generator) * 0.1,
                // The residual branches' last convolutions are kept small so that the sums grow slowly.
                _ => torch.randn(tensor.shape, generator: generator) * (Math.Sqrt(1.0 / (tensor.numel() / tensor.shape[0])) * (name.Contains("_3_conv") ? 0.3 : 1.0)),
            };
            tensor.copy_(values);
        }
    }

    private static bool IsNorm(nn.Module network, string name) =>
        network.state_dict().ContainsKey(name[..name.LastIndexOf('.')] + ".running_var");

    /// <summary>Whether two tensors have the same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>A seeded batch of Keras-preprocessed images (values in [-1, 1]).</summary>
    public static Tensor Images(int batch, int size, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        return torch.rand([batch, 3, size, size], generator: generator) * 2 - 1;
    }
}
