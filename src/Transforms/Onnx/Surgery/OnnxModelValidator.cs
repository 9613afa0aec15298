using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>Checks a model the way it will finally be used: by creating an ONNX Runtime session for it.</summary>
public static class OnnxModelValidator
{
    /// <summary>
    /// Creates (and disposes) a CPU <see cref="InferenceSession"/> for <paramref name="model"/>, which runs ONNX
    /// Runtime's checker, type and shape inference and graph optimizations.
    /// </summary>
    /// <param name="model">The model to check.</param>
    /// <param name="description">Names the model in the error message; default <c>"model"</c>.</param>
    /// <exception cref="OnnxModelValidationException">ONNX Runtime refuses the model; the message carries its reason.</exception>
    public static void Validate(ModelProto model, string description = "model")
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            using var session = new InferenceSession(model.ToByteArray(), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelValidationException(
                $"ONNX Runtime rejected the {description} (graph '{model.Graph?.Name}', {model.Graph?.Node.Count ?? 0} nodes): {e.Message}", e);
        }
    }
}
