using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Tests.Support;
using TorchSharp;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

public class BackbonePartsTests(ReferenceNetwork reference) : IClassFixture<ReferenceNetwork>
{
    [Fact]
    public void Parts_describe_the_Keras_backbone()
    {
        var parts = ResNet50V2BackboneParts.Create();
        using var network = parts.Module;
        Assert.Equal("ResNet50V2", parts.Name);
        Assert.Equal(224, parts.InputSize);
        Assert.Equal(2048, parts.FeatureCount);
        Assert.Equal("RGB", ResNet50V2BackboneParts.ChannelOrder);
        // Keras "tf" mode: 0 -> -1, 127.5 -> 0, 255 -> 1.
        Assert.Equal(-1f, 0 * parts.PixelScale + parts.PixelOffset);
        Assert.Equal(0f, 127.5f * parts.PixelScale + parts.PixelOffset, 6);
        Assert.Equal(1f, 255 * parts.PixelScale + parts.PixelOffset, 6);
        Assert.Equal(ResNet50V2Network.BlockNames, parts.BlockNames);
        Assert.Null(parts.Weights);
    }

    [Fact]
    public void Train_top_blocks_leaves_only_the_last_blocks_trainable()
    {
        var parts = ResNet50V2BackboneParts.Create();
        using var network = parts.Module;
        parts.TrainTopBlocks(2);
        var trainable = network.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.All(trainable, name => Assert.True(name.StartsWith("conv5_block3.") || name.StartsWith("post_bn."), name));
        Assert.Equal(12, trainable.Count);

        parts.TrainTopBlocks(parts.BlockNames.Count);
        Assert.True(network.parameters().All(p => p.requires_grad));
        parts.TrainTopBlocks(0);
        Assert.True(network.parameters().All(p => !p.requires_grad));
        Assert.Throws<ArgumentOutOfRangeException>(() => parts.TrainTopBlocks(19));
    }

    [Fact]
    public void Weights_are_loaded_by_extension_and_recorded()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "weights.h5");
        KerasH5File.From(reference.Network).Write(path);
        var parts = ResNet50V2BackboneParts.Create(path);
        using var network = parts.Module;
        Assert.True(RandomWeights.Identical(reference.OutputOf(network), reference.Output));
        Assert.Equal(path, parts.Weights!.FilePath);
        Assert.Equal(64, parts.Weights.Sha256.Length);
    }

    [Fact]
    public void Modules_of_a_block_are_its_Keras_layers()
    {
        var parts = ResNet50V2BackboneParts.Create();
        using var network = parts.Module;
        var modules = parts.ModulesOf("conv4_block1").ToList();
        // The weighted layers: preact_bn, 1_conv, 1_bn, 2_conv, 2_bn, 0_conv, 3_conv.
        Assert.Equal(7, modules.Count);
        Assert.Equal(3, modules.OfType<TorchSharp.Modules.BatchNorm2d>().Count());
        Assert.Throws<ArgumentException>(() => parts.ModulesOf("conv4").ToList());
    }
}
