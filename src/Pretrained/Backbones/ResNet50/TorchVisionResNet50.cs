using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Backbones.ResNet50;

/// <summary>
/// torchvision's ResNet50 (v1, with BN after each convolution) from the TorchVision package, with weights from a
/// safetensors file of its PyTorch state dict. Only safetensors are read: a <c>.pth</c> pickle is never executed; convert
/// one in Python with <c>safetensors.torch.save_file(torch.load(path, weights_only=True), "resnet50.safetensors")</c>.
/// </summary>
public static class TorchVisionResNet50
{
    /// <summary>The input height and width of the ImageNet weights: 224.</summary>
    public const int InputSize = 224;

    /// <summary>The feature width after global average pooling: 2048.</summary>
    public const int FeatureCount = 2048;

    /// <summary>Builds torchvision's ResNet50 with its default initialization.</summary>
    /// <param name="classes">The width of the final <c>fc</c> layer; 1000 for ImageNet.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is below 1.</exception>
    public static nn.Module<Tensor, Tensor> Create(int classes = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        return torchvision.models.resnet50(num_classes: classes);
    }

    /// <summary>
    /// Loads a safetensors state dict (tensor names as PyTorch's <c>state_dict()</c> spells them: <c>conv1.weight</c>,
    /// <c>layer1.0.bn1.running_mean</c>, <c>fc.bias</c>) after checking that it holds exactly the network's tensors with the
    /// same shapes; <c>num_batches_tracked</c> counters may be absent, as in torchvision's published weights.
    /// </summary>
    /// <param name="network">A network made by <see cref="Create"/> with the file's number of classes.</param>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <returns>The file's path, SHA-256 and what was read.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFileException">A tensor is missing, extra or of another shape, or the file is not safetensors; the message names the tensor.</exception>
    public static LoadedWeights LoadSafetensors(nn.Module network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return StateDictFile.LoadChecked(network, path, WeightsFormat.Safetensors, StateDictFile.ReadSafetensors, LayerOf,
            optional: key => key.EndsWith(".num_batches_tracked", StringComparison.Ordinal),
            load: fullPath => network.load_safetensors(fullPath, strict: false));
    }

    /// <summary>"layer1.0.bn1.weight" belongs to "layer1.0.bn1".</summary>
    private static string LayerOf(string key)
    {
        var dot = key.LastIndexOf('.');
        return dot > 0 ? key[..dot] : key;
    }
}
