using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Tests.Support;
using TorchSharp.Modules;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>
/// One ResNet50V2 with seeded random weights, written as a Keras .h5 file with Keras' layer names, and the backbone graph
/// the image estimator builds from that file: made once for the tests that share <see cref="ResNet50V2BackboneCollection"/>,
/// since each costs seconds at 224 pixels.
/// </summary>
public sealed class ResNet50V2BackboneFixture : IDisposable
{
    private readonly TempDirectory _folder = new();

    public ResNet50V2BackboneFixture()
    {
        Network = ResNet50V2Network.Create();
        RandomWeights.Fill(Network, seed: 21);
        Network.eval();
        WeightsPath = Path.Combine(_folder.Path, "weights.h5");
        KerasH5File.From(Network).Write(WeightsPath);
        Backbone = ImageBackbone.ResNet50V2(WeightsPath);
        Graph = BackboneGraph.Build(Backbone);
    }

    public string Folder => _folder.Path;

    public string WeightsPath { get; }

    internal Sequential Network { get; }

    public ImageBackbone Backbone { get; }

    internal BackboneGraph Graph { get; }

    public void Dispose()
    {
        Network.Dispose();
        _folder.Dispose();
    }
}

/// <summary>The tests that share one <see cref="ResNet50V2BackboneFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ResNet50V2BackboneCollection : ICollectionFixture<ResNet50V2BackboneFixture>
{
    public const string Name = "ResNet50V2 backbone";
}
