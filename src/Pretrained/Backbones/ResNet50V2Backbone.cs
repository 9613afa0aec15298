using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Trainers.Onnx.Export;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>
/// Keras' ResNet50V2 as a backbone: the native module (<see cref="ResNet50V2Network"/>) with the user's weights file
/// loaded into it (Keras .h5, ONNX or TorchSharp, <see cref="WeightsFileFormat"/>), exported by the project's exporter
/// at 224 x 224. The graph keeps Keras' structure and names: its batch norms stay nodes (not folded, so fine-tuning can
/// keep them in inference mode as Keras does) and every node is named by its module path, which starts with the Keras
/// block name (<see cref="ResidualBlocks"/>).
/// </summary>
internal sealed class ResNet50V2Backbone(string weightsPath, string? sha256) : BackboneSource
{
    /// <summary>The exported graph's input, [N, 3, 224, 224] after "tf" preprocessing.</summary>
    public const string InputName = "input";

    /// <summary>The feature tensor: Keras' <c>avg_pool</c>, the 2,048 globally averaged channels [N, 2048].</summary>
    public const string FeaturesName = "avg_pool";

    /// <summary>The full path of the weights file.</summary>
    public string WeightsPath { get; } = weightsPath;

    public override string Name => "ResNet50V2";

    public override int InputWidth => ResNet50V2Network.InputSize;

    public override int InputHeight => ResNet50V2Network.InputSize;

    public override ImagePreprocessing Preprocessing => ImagePreprocessing.ScaleToMinusOneOne;

    public override string FeatureTensorName => FeaturesName;

    public override string? InputTensorName => InputName;

    public override string? Sha256 => sha256;

    /// <summary>
    /// The residual blocks from the input up, <c>conv2_block1</c> ... <c>conv5_block3</c> (16). Each is a prefix of the
    /// exported node names: every node of block B is named "B." followed by its module path within the block, and its
    /// residual sum is the Add node "B.B_out". The stem's nodes are named <c>conv1_pad</c>, <c>conv1_conv</c>,
    /// <c>pool1_pad</c>, <c>pool1_pool</c>; after the blocks come <c>post_bn</c>, <c>post_relu</c> and <c>avg_pool</c>.
    /// </summary>
    public static IReadOnlyList<string> ResidualBlocks { get; } =
        [.. ResNet50V2Network.BlockNames.Where(b => b.StartsWith("conv", StringComparison.Ordinal) && b.Contains("_block", StringComparison.Ordinal))];

    /// <summary>What the last <see cref="Load"/> read: the file, its format and SHA-256; null before.</summary>
    public LoadedWeights? Weights { get; private set; }

    /// <exception cref="InvalidDataException">The file is missing, or has another SHA-256 than the one given.</exception>
    /// <exception cref="WeightsFileException">The file does not hold ResNet50V2's weights (a layer missing, extra, of another shape), or has Keras' published name and another MD5.</exception>
    /// <exception cref="MLNetDeep.Transforms.Onnx.OnnxImportException">An ONNX file is not readable.</exception>
    public override (ModelProto Graph, string WeightsKey) Load()
    {
        if (!File.Exists(WeightsPath))
            throw new InvalidDataException(
                $"The ResNet50V2 weights file '{WeightsPath}' does not exist. Keras' ImageNet weights are " +
                $"{ResNet50V2Network.KerasWeightsFileNameWithoutTop}, which keras.applications.ResNet50V2(include_top=False) downloads into ~/.keras/models.");
        if (sha256 is not null)
            WeightsFile.Check(WeightsPath, sha256, "ResNet50V2 weights");

        using var scope = torch.NewDisposeScope();
        var (network, weights) = LoadNetwork(WeightsPath);
        using var disposeNetwork = network;
        var model = TorchSharpOnnxExporter.Export(network, [3, InputHeight, InputWidth], new OnnxExportOptions
        {
            InputName = InputName,
            OutputName = FeaturesName,
            FoldBatchNorm = false,
        });
        Weights = weights;
        // The file's hash alone would let the same file read as an ONNX backbone (another graph) share cached features.
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{Name} exported|{weights.Format}|{weights.Sha256}")));
        return (model, key);
    }

    /// <summary>
    /// The network without its top, with the file's weights. A file with Keras' <c>predictions</c> layer (what
    /// <c>keras.applications.ResNet50V2()</c> downloads by default) is loaded whole, and all but the top kept.
    /// </summary>
    private static (Sequential Network, LoadedWeights Weights) LoadNetwork(string path)
    {
        try
        {
            var parts = ResNet50V2BackboneParts.Create(path);
            return (parts.Module, parts.Weights!);
        }
        catch (WeightsFileException e) when (e.LayerName == "predictions")
        {
            var classes = WeightsFileFormat.Detect(path) == WeightsFormat.TorchSharp
                && StateDictFile.ReadTorchSharp(path).TryGetValue("predictions.weight", out var top) && top.Shape.Length == 2
                ? (int)top.Shape[0]
                : 1000;
            using var withTop = ResNet50V2Network.Create(classes);
            var weights = WeightsFileFormat.Load(withTop, path);
            var network = ResNet50V2Network.Create();
            try
            {
                var state = withTop.state_dict().Where(p => !p.Key.StartsWith("predictions.", StringComparison.Ordinal)).ToDictionary();
                network.load_state_dict(state, strict: true);
                return (network, weights);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }
    }
}
