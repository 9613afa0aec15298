using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// What a backbone entry of the transfer-learning estimator needs from ResNet50V2: the module, its input, its
/// preprocessing and its blocks. Made by <see cref="Create"/>; the estimator's own entry type wraps it.
/// </summary>
/// <param name="Name">"ResNet50V2".</param>
/// <param name="Module">The network, ending at the <see cref="FeatureCount"/> pooled features; in training mode, default-initialized unless weights were loaded.</param>
/// <param name="InputSize">The square input size, 224.</param>
/// <param name="FeatureCount">The feature width, 2048.</param>
/// <param name="PixelScale">Keras "tf" preprocessing of 0-255 RGB pixels: x * <paramref name="PixelScale"/> + <paramref name="PixelOffset"/>, i.e. x / 127.5 - 1.</param>
/// <param name="PixelOffset">See <paramref name="PixelScale"/>: -1.</param>
/// <param name="BlockNames">The blocks from input to output, <see cref="ResNet50V2Network.BlockNames"/>: conv1, conv2_block1 ... conv5_block3, post_bn.</param>
/// <param name="Weights">What was loaded, or null for default initialization.</param>
internal sealed record ResNet50V2BackboneParts(
    string Name, Sequential Module, int InputSize, int FeatureCount, float PixelScale, float PixelOffset, IReadOnlyList<string> BlockNames, LoadedWeights? Weights)
{
    /// <summary>The channel order the preprocessing expects: RGB (Keras' "tf" mode does not swap to BGR).</summary>
    public const string ChannelOrder = "RGB";

    /// <summary>
    /// Builds the parts, loading <paramref name="weightsPath"/> when given: HDF5 content or .h5 as Keras, .onnx or ONNX
    /// content as ONNX, anything else as a TorchSharp state dict (<see cref="WeightsFileFormat.Detect"/>).
    /// </summary>
    /// <param name="weightsPath">A weights file, or null for default initialization.</param>
    public static ResNet50V2BackboneParts Create(string? weightsPath = null)
    {
        var network = ResNet50V2Network.Create();
        LoadedWeights? weights = null;
        if (weightsPath is not null)
        {
            try
            {
                weights = WeightsFileFormat.Load(network, weightsPath);
            }
            catch
            {
                // 100 MB of native tensors would otherwise wait for the finalizer.
                network.Dispose();
                throw;
            }
        }
        return new ResNet50V2BackboneParts("ResNet50V2", network, ResNet50V2Network.InputSize, ResNet50V2Network.FeatureCount,
            1f / 127.5f, -1f, ResNet50V2Network.BlockNames, weights);
    }

    /// <summary>
    /// Makes only the last <paramref name="count"/> blocks trainable ("train the top N blocks"); 0 freezes everything,
    /// <see cref="BlockNames"/>.Count trains everything.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above the number of blocks.</exception>
    public void TrainTopBlocks(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, BlockNames.Count);
        var frozen = BlockNames.Count - count;
        if (frozen > 0)
            ResNet50V2Network.SetTrainable(Module, false, [.. BlockNames.Take(frozen)]);
        if (count > 0)
            ResNet50V2Network.SetTrainable(Module, true, [.. BlockNames.Skip(frozen)]);
    }

    /// <summary>The modules of one block, e.g. to keep their batch norms in inference mode while it is frozen.</summary>
    /// <param name="block">One of <see cref="BlockNames"/>.</param>
    public IEnumerable<Module> ModulesOf(string block)
    {
        var layers = ResNet50V2Network.KerasLayers().Where(l => l.Block == block).Select(l => l.ModulePath).ToHashSet(StringComparer.Ordinal);
        if (layers.Count == 0)
            throw new ArgumentException($"'{block}' is not a block of ResNet50V2; blocks are {string.Join(", ", BlockNames)}.", nameof(block));
        return Module.named_modules().Where(m => layers.Contains(m.name)).Select(m => m.module);
    }
}
