using Onnx;
using static TorchSharp.torch;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Surgery;

/// <summary>Writes new values (for example fine-tuned weights) into a model's initializers.</summary>
public static class OnnxInitializerReplacement
{
    /// <summary>
    /// Returns a copy of <paramref name="model"/> with the initializers named in <paramref name="values"/> replaced
    /// by those tensors' values (stored as raw data). Initializers not named are kept.
    /// </summary>
    /// <param name="model">The model; it is not changed.</param>
    /// <param name="values">Initializer name to new value; each must have the initializer's shape and element type.</param>
    /// <returns>The updated copy.</returns>
    /// <exception cref="ArgumentException">A name is not an initializer, or a value's shape or element type differs from the initializer's.</exception>
    public static ModelProto ReplaceInitializers(ModelProto model, IReadOnlyDictionary<string, Tensor> values)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(values);
        var copy = model.Clone();
        var initializers = copy.Graph.Initializer;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < initializers.Count; i++)
            index[initializers[i].Name] = i;

        foreach (var (name, value) in values)
        {
            if (!index.TryGetValue(name, out var position))
                throw new ArgumentException($"The model has no initializer named '{name}'.", nameof(values));
            var current = initializers[position];
            if (!current.Dims.SequenceEqual(value.shape))
                throw new ArgumentException(
                    $"Initializer '{name}' has shape [{string.Join(",", current.Dims)}] but the new value has shape [{string.Join(",", value.shape)}].", nameof(values));
            var type = OnnxTensorConversion.ToOnnxType(value.dtype, name);
            if ((int)type != current.DataType)
                throw new ArgumentException(
                    $"Initializer '{name}' holds {(TensorProto.Types.DataType)current.DataType} but the new value is {value.dtype}.", nameof(values));
            initializers[position] = OnnxTensorConversion.ToProto(value, name);
        }
        return copy;
    }

    /// <summary>
    /// Returns a copy of <paramref name="model"/> with every initializer that <paramref name="module"/> holds replaced
    /// by the module's current value: the way back to ONNX after fine-tuning a module from <see cref="OnnxImporter"/>.
    /// </summary>
    /// <param name="model">The model the module was imported from (or one with the same initializers); not changed.</param>
    /// <param name="module">The imported, possibly fine-tuned module.</param>
    /// <returns>The updated copy.</returns>
    /// <exception cref="ArgumentException">The model lacks one of the module's initializers or has it in another shape or type.</exception>
    public static ModelProto ReplaceInitializers(ModelProto model, OnnxModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return ReplaceInitializers(model, module.GetInitializers());
    }
}
