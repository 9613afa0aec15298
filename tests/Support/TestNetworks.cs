using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Modules;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Tests.Support;

/// <summary>Small seeded networks for the export tests, with batch norms given non-trivial statistics so that folding matters.</summary>
internal static class TestNetworks
{
    /// <summary>A network built right after seeding torch with <paramref name="seed"/>, its batch norms and PReLUs randomized.</summary>
    public static nn.Module<Tensor, Tensor> Build(Func<nn.Module<Tensor, Tensor>> create, int seed = 1)
    {
        torch.manual_seed(seed);
        var network = create();
        RandomizeStatistics(network);
        return network;
    }

    /// <summary>
    /// Gives every batch norm a running mean away from 0, a running variance away from 1 and a non-trivial affine part, and
    /// every PReLU distinct slopes, as training would; fresh modules have the identity statistics that would hide folding bugs.
    /// </summary>
    public static void RandomizeStatistics(nn.Module network)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in network.named_modules())
        {
            if (module is BatchNorm batchNorm)
            {
                var features = batchNorm.num_features;
                batchNorm.running_mean!.copy_(torch.randn(features) * 0.5);
                batchNorm.running_var!.copy_(torch.rand(features) * 2 + 0.3);
                batchNorm.weight?.copy_(torch.rand(features) + 0.5);
                batchNorm.bias?.copy_(torch.randn(features) * 0.3);
            }
            else if (module is PReLU prelu)
            {
                prelu.weight.copy_(torch.rand(prelu.num_parameters) * 0.5);
            }
        }
    }

    /// <summary>
    /// A small ResNet: a stem (conv, batch norm, ReLU, max pool), a basic block keeping the shape (identity shortcut), a
    /// basic block halving it (1x1 stride-2 projection shortcut with its batch norm), global average pooling and a linear head.
    /// For [3, H, W] inputs; 10 outputs.
    /// </summary>
    public static nn.Module<Tensor, Tensor> SmallResNet() => nn.Sequential(
        ("stem", nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1, bias: false), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(3, stride: 2, padding: 1))),
        ("block1", new ResidualBlock(
            nn.Sequential(nn.Conv2d(8, 8, 3, padding: 1, bias: false), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3, padding: 1, bias: false), nn.BatchNorm2d(8)),
            activation: nn.ReLU())),
        ("block2", new ResidualBlock(
            nn.Sequential(nn.Conv2d(8, 16, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 16, 3, padding: 1, bias: false), nn.BatchNorm2d(16)),
            nn.Sequential(nn.Conv2d(8, 16, 1, stride: 2, bias: false), nn.BatchNorm2d(16)),
            nn.ReLU())),
        ("pool", nn.AdaptiveAvgPool2d(1)),
        ("flatten", nn.Flatten()),
        ("head", nn.Linear(16, 10)));

    /// <summary>The values of every parameter and buffer, copied, by name.</summary>
    public static Dictionary<string, float[]> Snapshot(nn.Module network)
    {
        using var scope = torch.NewDisposeScope();
        return network.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.to_type(ScalarType.Float32).data<float>().ToArray());
    }
}
