using Google.Protobuf;
using Onnx;

namespace MLNetDeep.Transforms.Onnx;

/// <summary>
/// Reads ONNX models (<see cref="ModelProto"/>) with errors that name the file: a corrupt, truncated or
/// non-ONNX file gives an <see cref="OnnxImportException"/>, never a protobuf exception or a crash.
/// </summary>
public static class OnnxModelReader
{
    /// <summary>Reads and checks the model stored in <paramref name="path"/>.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <returns>The parsed model.</returns>
    /// <exception cref="OnnxImportException">The file is missing, unreadable, or not a valid ONNX model.</exception>
    public static ModelProto Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new OnnxImportException($"The ONNX model file '{path}' could not be read: {e.Message}", e) { ModelSource = path };
        }
        return Parse(bytes, path);
    }

    /// <summary>Reads and checks a model from a stream (read to its end; the stream is not closed).</summary>
    /// <param name="stream">The serialized model.</param>
    /// <param name="sourceName">Names the source in error messages; the default is <c>"stream"</c>.</param>
    /// <returns>The parsed model.</returns>
    /// <exception cref="OnnxImportException">The bytes are not a valid ONNX model.</exception>
    public static ModelProto Read(Stream stream, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.ToArray(), sourceName);
    }

    /// <summary>Parses and checks a serialized model.</summary>
    /// <param name="bytes">The serialized model.</param>
    /// <param name="sourceName">Names the source in error messages; the default is <c>"bytes"</c>.</param>
    /// <returns>The parsed model.</returns>
    /// <exception cref="OnnxImportException">The bytes are not a valid ONNX model.</exception>
    public static ModelProto Parse(byte[] bytes, string sourceName = "bytes")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException(
                $"'{sourceName}' is not a readable ONNX model ({bytes.Length} bytes): the protobuf data is corrupt or truncated ({e.Message}).", e)
            { ModelSource = sourceName };
        }
        CheckStructure(model, sourceName, bytes.Length);
        return model;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/>, replacing any existing file.</summary>
    /// <param name="model">The model to save.</param>
    /// <param name="path">The destination file.</param>
    public static void Write(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, model.ToByteArray());
    }

    // Protobuf accepts many byte strings that are not ONNX (an empty file, a text file that happens to
    // decode as unknown fields), so a parse that succeeds still has to look like a model.
    internal static void CheckStructure(ModelProto model, string sourceName, long byteCount = -1)
    {
        var size = byteCount >= 0 ? $" ({byteCount} bytes)" : "";
        if (model.IrVersion <= 0 || model.Graph is null)
            throw new OnnxImportException(
                $"'{sourceName}'{size} is not an ONNX model: it has no ir_version or no graph.") { ModelSource = sourceName };
        if (model.Graph.Output.Count == 0)
            throw new OnnxImportException(
                $"'{sourceName}' is not a usable ONNX model: its graph '{model.Graph.Name}' declares no outputs (the file may be truncated).")
            { ModelSource = sourceName };
        var known = new HashSet<string>(model.Graph.Input.Select(i => i.Name));
        known.UnionWith(model.Graph.Initializer.Select(i => i.Name));
        foreach (var node in model.Graph.Node)
            known.UnionWith(node.Output);
        foreach (var output in model.Graph.Output)
        {
            if (!known.Contains(output.Name))
                throw new OnnxImportException(
                    $"'{sourceName}' is not a usable ONNX model: graph output '{output.Name}' is produced by no node, initializer or input (the file may be truncated).")
                { ModelSource = sourceName };
        }
    }
}
