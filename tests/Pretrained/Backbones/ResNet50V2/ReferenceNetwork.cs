using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>One ResNet50V2 with seeded random weights and its eval-mode output on a small batch, shared by a test class.</summary>
public sealed class ReferenceNetwork : IDisposable
{
    /// <summary>Small images keep the tests fast; every layer still runs (64 ends at 2x2 in conv5).</summary>
    public const int ImageSize = 64;

    public ReferenceNetwork()
    {
        Network = ResNet50V2Network.Create();
        RandomWeights.Fill(Network, seed: 1);
        Network.eval();
        Images = RandomWeights.Images(batch: 2, ImageSize, seed: 2);
        using var noGrad = torch.no_grad();
        Output = Network.call(Images);
    }

    internal Sequential Network { get; }

    internal Tensor Images { get; }

    internal Tensor Output { get; }

    /// <summary>The output of <paramref name="other"/> (put in eval mode) on the same images.</summary>
    internal Tensor OutputOf(nn.Module<Tensor, Tensor> other)
    {
        other.eval();
        using var noGrad = torch.no_grad();
        return other.call(Images);
    }

    public void Dispose()
    {
        Output.Dispose();
        Images.Dispose();
        Network.Dispose();
    }
}
