using System.IO.Compression;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// Checks a saved ML.NET model zip against the CRC-32 its entries carry, before <c>mlContext.Model.Load</c>.
/// </summary>
/// <remarks>
/// Neither ML.NET 5.0.1 nor .NET's <see cref="ZipArchive"/> compares an entry's bytes with its stored CRC when
/// reading, so a flipped byte inside a stored ONNX graph or parameter block can load and score differently,
/// with no error. Verifying first turns that into an <see cref="InvalidDataException"/> naming the entry.
/// </remarks>
public static partial class ModelZip
{
    /// <summary>Throws unless every entry of the zip at <paramref name="path"/> decompresses to bytes matching its CRC-32.</summary>
    /// <param name="path">A model zip written by <c>mlContext.Model.Save</c>.</param>
    /// <exception cref="InvalidDataException">The file is not a readable zip, or an entry is damaged.</exception>
    public static void Verify(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        Verify(stream, $"'{path}'");
    }

    /// <summary>Throws unless every entry of the zip in <paramref name="zip"/> decompresses to bytes matching its CRC-32.</summary>
    /// <param name="zip">A readable, seekable stream positioned at the start of a model zip; it is left open.</param>
    /// <exception cref="InvalidDataException">The stream is not a readable zip, or an entry is damaged.</exception>
    public static void Verify(Stream zip)
    {
        ArgumentNullException.ThrowIfNull(zip);
        Verify(zip, "The model zip");
    }

    private static void Verify(Stream zip, string name)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException)
        {
            throw new InvalidDataException($"{name} cannot be read as a zip ({ex.Message}).", ex);
        }
        using (archive)
        {
            if (archive.Entries.Count == 0)
                throw new InvalidDataException($"{name} holds no entries; it is not an ML.NET model zip.");
            foreach (var entry in archive.Entries)
            {
                uint actual;
                try
                {
                    using var content = entry.Open();
                    actual = ZipCrc32.Compute(content);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException)
                {
                    throw new InvalidDataException($"{name} is damaged: entry '{entry.FullName}' cannot be decompressed ({ex.Message}).", ex);
                }
                if (actual != entry.Crc32)
                {
                    throw new InvalidDataException(
                        $"{name} is damaged: entry '{entry.FullName}' has CRC-32 {actual:X8} but the zip records {entry.Crc32:X8}. Restore the file from a good copy.");
                }
                if (IsOnnxModelEntry(entry))
                    RejectExternalData(entry, name);
            }
        }
    }

    // OnnxTransformer saves its graph as a length-prefixed byte array in an entry named OnnxModel.
    private static bool IsOnnxModelEntry(ZipArchiveEntry entry) =>
        entry.Name == "OnnxModel" && entry.Length >= sizeof(int);

    /// <summary>
    /// A graph in a zip whose tensors live in external files would make ONNX Runtime read whatever those locations name
    /// on the serving machine; a zip written by ML.NET never has them, so such a zip is refused.
    /// </summary>
    private static void RejectExternalData(ZipArchiveEntry entry, string name)
    {
        global::Onnx.ModelProto model;
        try
        {
            using var content = entry.Open();
            using var reader = new BinaryReader(content);
            var length = reader.ReadInt32();
            model = global::Onnx.ModelProto.Parser.ParseFrom(reader.ReadBytes(length));
        }
        catch (Exception ex) when (ex is Google.Protobuf.InvalidProtocolBufferException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"{name} is damaged: entry '{entry.FullName}' does not hold a readable ONNX graph ({ex.Message}).", ex);
        }
        if (model.Graph is { } graph && FindExternalTensor(graph) is { } external)
        {
            var location = external.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "";
            throw new InvalidDataException(
                $"{name} is refused: the ONNX graph in entry '{entry.FullName}' stores tensor '{external.Name}' in the external file '{location}'. " +
                "A model zip must be self-contained; external data would be read from the serving machine's disk.");
        }
    }

    private static global::Onnx.TensorProto? FindExternalTensor(global::Onnx.GraphProto graph)
    {
        var external = graph.Initializer.FirstOrDefault(t => t.DataLocation == global::Onnx.TensorProto.Types.DataLocation.External);
        if (external is not null)
            return external;
        foreach (var attribute in graph.Node.SelectMany(n => n.Attribute))
        {
            if (attribute.T is { DataLocation: global::Onnx.TensorProto.Types.DataLocation.External } tensor)
                return tensor;
            foreach (var sub in attribute.Graphs.Append(attribute.G).Where(g => g is not null))
            {
                if (FindExternalTensor(sub) is { } inSub)
                    return inSub;
            }
        }
        return null;
    }
}
