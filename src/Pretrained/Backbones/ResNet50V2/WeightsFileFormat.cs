namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// Which reader a ResNet50V2 weights file goes to, by its first bytes where they tell, else by its extension: users rename
/// downloads, and a Keras file saved as <c>weights.bin</c> is still HDF5.
/// </summary>
internal static class WeightsFileFormat
{
    // The HDF5 format signature; h5py (and so Keras) writes files without a user block, so it sits at offset 0.
    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    // A ModelProto's first field is ir_version (field 1, varint): protobuf writers emit fields in number order, so an ONNX
    // file starts with its tag. A TorchSharp state dict starts with its LEB128 tensor count, ResNet50V2's being above 127
    // (a first byte with the high bit set), so the two cannot be confused.
    private const byte OnnxIrVersionTag = 0x08;

    /// <summary>
    /// HDF5 content, or a <c>.h5</c>/<c>.hdf5</c> name, is Keras; a <c>.onnx</c> name, or content that starts like an ONNX
    /// model, is ONNX; anything else is a TorchSharp state dict. A missing or empty file goes by its extension, so that
    /// the reader it goes to reports it.
    /// </summary>
    public static WeightsFormat Detect(string path)
    {
        var head = FirstBytes(path, Hdf5Signature.Length);
        if (head.AsSpan().SequenceEqual(Hdf5Signature))
            return WeightsFormat.KerasH5;
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".h5" or ".hdf5" => WeightsFormat.KerasH5,
            ".onnx" => WeightsFormat.Onnx,
            _ when head.Length > 0 && head[0] == OnnxIrVersionTag => WeightsFormat.Onnx,
            _ => WeightsFormat.TorchSharp,
        };
    }

    /// <summary>Loads <paramref name="path"/> into <paramref name="network"/> with the reader <see cref="Detect"/> picks.</summary>
    public static LoadedWeights Load(TorchSharp.torch.nn.Module network, string path) => Detect(path) switch
    {
        WeightsFormat.KerasH5 => ResNet50V2Weights.LoadKeras(network, path),
        WeightsFormat.Onnx => ResNet50V2Weights.LoadOnnx(network, path),
        _ => ResNet50V2Weights.LoadTorchSharp(network, path),
    };

    private static byte[] FirstBytes(string path, int count)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var buffer = new byte[count];
            var read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
            return buffer[..read];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
