namespace MLNetDeep.Transforms.Onnx;

/// <summary>
/// Thrown when an ONNX model cannot be read or turned into a TorchSharp module: the file is not a readable
/// ONNX model, the graph is malformed, or it uses an operator or attribute that the importer does not support.
/// The properties name the place; those that do not apply are <see langword="null"/>.
/// </summary>
public class OnnxImportException : Exception
{
    /// <summary>Creates the exception with a message and, where there is one, the failure that caused it.</summary>
    /// <param name="message">What went wrong and what was expected.</param>
    /// <param name="innerException">The underlying failure; <see langword="null"/> (the default) when there is none.</param>
    public OnnxImportException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The model file, or a description of the source (for example <c>"stream"</c>); <see langword="null"/> when unknown.</summary>
    public string? ModelSource { get; init; }

    /// <summary>The ONNX operator type (<c>op_type</c>) involved; <see langword="null"/> when no node is involved.</summary>
    public string? OpType { get; init; }

    /// <summary>The name of the node involved (or its generated name when the node has none); <see langword="null"/> when no node is involved.</summary>
    public string? NodeName { get; init; }

    /// <summary>The attribute or input involved; <see langword="null"/> when the problem is not one attribute.</summary>
    public string? AttributeName { get; init; }
}
