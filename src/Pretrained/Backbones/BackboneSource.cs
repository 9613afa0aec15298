using Onnx;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>
/// Where a backbone's network comes from. Every backbone ends up as an ONNX graph — read from a file, or exported from a
/// native TorchSharp module (the slot the ResNet50V2 backbone fills) — so feature extraction, fine-tuning and the exported
/// model are the same code for all of them.
/// </summary>
internal abstract class BackboneSource
{
    public abstract string Name { get; }

    public abstract int InputWidth { get; }

    public abstract int InputHeight { get; }

    public abstract ImagePreprocessing Preprocessing { get; }

    public abstract string FeatureTensorName { get; }

    /// <summary>The graph input images go to; null for the graph's only input.</summary>
    public virtual string? InputTensorName => null;

    public abstract string? Sha256 { get; }

    /// <summary>
    /// The backbone graph, self-contained (external data read in), its weights checked against <see cref="Sha256"/>,
    /// and a key that changes whenever the weights do (for the feature cache).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing, unreadable, or has another checksum.</exception>
    public abstract (ModelProto Graph, string WeightsKey) Load();
}
