using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// Loads ResNet50V2 weights into a network made by <see cref="ResNet50V2Network.Create"/> from a Keras <c>.h5</c> file, an
/// ONNX model of the Keras network or a TorchSharp state dict, and saves them as a state dict. Every file is checked whole
/// before anything is copied, so a bad file leaves the network as it was.
/// </summary>
/// <example>
/// <code>
/// var network = ResNet50V2Network.Create();
/// var loaded = ResNet50V2Weights.LoadKeras(network, "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5");
/// Console.WriteLine($"{loaded.LayerCount} layers, SHA-256 {loaded.Sha256}");
/// </code>
/// </example>
public static class ResNet50V2Weights
{
    /// <summary>
    /// Loads a Keras HDF5 weights file: <c>model.save_weights("x.h5")</c> (Keras 2 or 3) or a whole model saved as <c>.h5</c>,
    /// such as the <c>keras.applications</c> ImageNet files.
    /// </summary>
    /// <remarks>
    /// Layers are matched by name, and must also come in Keras' order, since Keras itself loads these files by position.
    /// Each layer must hold exactly Keras' weights (<c>kernel</c>, <c>bias</c>; <c>gamma</c>, <c>beta</c>,
    /// <c>moving_mean</c>, <c>moving_variance</c>) with Keras' shapes; kernels are transposed from HWIO to OIHW. A file named
    /// as Keras publishes it (<see cref="ResNet50V2Network.KerasWeightsFileNameWithoutTop"/>, or with the top) must have
    /// Keras' published MD5. Layers without weights (paddings, activations, pools, adds) are ignored.
    /// </remarks>
    /// <param name="network">A network made by <see cref="ResNet50V2Network.Create"/>: with classes null for a file without the top.</param>
    /// <param name="path">The <c>.h5</c> file.</param>
    /// <returns>The file's path, SHA-256 and what was read.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFileException">A layer is missing, extra, out of order, has other weights or shapes, or the file is damaged; the message names the layer and the expected and actual shapes.</exception>
    /// <exception cref="ArgumentException">The network was not made by <see cref="ResNet50V2Network.Create"/>.</exception>
    public static LoadedWeights LoadKeras(nn.Module network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return KerasH5WeightsReader.Load(network, path);
    }

    /// <summary>
    /// Loads the weights of an ONNX model of Keras' ResNet50V2, as tf2onnx or keras2onnx convert it, or as this library's
    /// exporter writes a network made by <see cref="ResNet50V2Network.Create"/>.
    /// </summary>
    /// <remarks>
    /// The weights are read directly from the graph, not through the ONNX importer: each Keras layer is the Conv,
    /// BatchNormalization, Gemm or MatMul node whose name contains the layer name as one of its '/', '.' or ':' separated
    /// parts, and its weights are that node's inputs by position, whatever the initializers are called. A batch norm that
    /// the converter folded into the convolution before it is restored as a batch norm that adds the folded bias (gamma 1,
    /// beta the bias, mean 0, variance 1 - epsilon), which computes what the graph computes.
    /// </remarks>
    /// <param name="network">A network made by <see cref="ResNet50V2Network.Create"/>.</param>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <returns>The file's path, SHA-256 and what was read.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFileException">A layer has no node, several nodes, or weights of another shape; the message names the layer.</exception>
    /// <exception cref="MLNetDeep.Transforms.Onnx.OnnxImportException">The file is not a readable ONNX model.</exception>
    public static LoadedWeights LoadOnnx(nn.Module network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return OnnxWeightsReader.Load(network, path);
    }

    /// <summary>Saves the network's state dict (<c>Module.save</c>), atomically: the file is whole or absent.</summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The destination; an existing file is replaced.</param>
    public static void SaveTorchSharp(nn.Module network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var temporary = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            network.save(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Loads a TorchSharp state dict (<c>Module.save</c>, or <see cref="SaveTorchSharp"/>), after checking that it holds
    /// exactly the network's tensors with the same shapes.
    /// </summary>
    /// <param name="network">A network made by <see cref="ResNet50V2Network.Create"/>.</param>
    /// <param name="path">The state-dict file.</param>
    /// <returns>The file's path, SHA-256 and what was read.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFileException">A tensor is missing, extra or of another shape (the message names its Keras layer), or the file is not a state dict.</exception>
    public static LoadedWeights LoadTorchSharp(nn.Module network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return StateDictFile.LoadChecked(network, path, WeightsFormat.TorchSharp, StateDictFile.ReadTorchSharp, KerasLayerOf,
            optional: _ => false, load: fullPath => network.load(fullPath, strict: true));
    }

    /// <summary>"conv2_block1.conv2_block1_preact_bn.running_var" belongs to Keras layer "conv2_block1_preact_bn".</summary>
    private static string KerasLayerOf(string key)
    {
        var parts = key.Split('.');
        return parts.Length >= 2 ? parts[^2] : key;
    }
}
