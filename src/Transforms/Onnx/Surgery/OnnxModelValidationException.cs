namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>Thrown when ONNX Runtime refuses a model that graph surgery produced or was given.</summary>
public sealed class OnnxModelValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was being validated and ONNX Runtime's reason.</param>
    /// <param name="innerException">ONNX Runtime's exception.</param>
    public OnnxModelValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
