using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Backbones.ResNet50;
using MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;
using MLNetDeep.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50;

public class TorchVisionResNet50Tests
{
    [Fact]
    public void Safetensors_state_dict_reloads_to_identical_outputs()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "resnet50.safetensors");
        using var source = TorchVisionResNet50.Create(classes: 7);
        RandomWeights.Fill(source, seed: 9);
        source.save_safetensors(path);

        using var network = TorchVisionResNet50.Create(classes: 7);
        var loaded = TorchVisionResNet50.LoadSafetensors(network, path);

        source.eval();
        network.eval();
        using var noGrad = torch.no_grad();
        using var images = RandomWeights.Images(2, 64, seed: 10);
        Assert.True(RandomWeights.Identical(network.call(images), source.call(images)));
        Assert.Equal(WeightsFormat.Safetensors, loaded.Format);
        // torchvision's ResNet50 with a 7-class fc: 23,508,032 convolution and norm parameters, 53,120 moving statistics, 2048·7 + 7.
        Assert.Equal(23_508_032 + 53_120 + 2048 * 7 + 7, loaded.ValueCount - network.state_dict().Where(e => e.Key.EndsWith("num_batches_tracked")).Sum(e => e.Value.numel()));
    }

    [Fact]
    public void Wrong_shape_and_extra_tensors_are_named()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "resnet50-1000.safetensors");
        using (var source = TorchVisionResNet50.Create(classes: 1000))
            source.save_safetensors(path);

        using var network = TorchVisionResNet50.Create(classes: 7);
        var error = Assert.Throws<WeightsFileException>(() => TorchVisionResNet50.LoadSafetensors(network, path));
        Assert.Equal("fc", error.LayerName);
        Assert.Contains("tensor 'fc.weight' (layer 'fc') has shape [1000, 2048], expected [7, 2048]", error.Message);

        var text = Path.Combine(folder.Path, "resnet50.pth");
        File.WriteAllBytes(text, [0x80, 0x02, 0x7d, 0x71]);
        Assert.Contains("is not a readable safetensors file", Assert.Throws<WeightsFileException>(() => TorchVisionResNet50.LoadSafetensors(network, text)).Message);
    }
}
