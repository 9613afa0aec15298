using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Builds ONNX <see cref="TensorProto"/> values from managed arrays. The values go into <c>raw_data</c>,
/// which ONNX defines as little-endian, so the bytes are written explicitly little-endian whatever the host.
/// </summary>
public static class OnnxTensors
{
    /// <summary>Makes a float32 tensor named <paramref name="name"/> with shape <paramref name="dims"/>.</summary>
    /// <param name="name">The tensor's name in the graph (an initializer name, for example).</param>
    /// <param name="values">The elements in row-major order; their count must equal the product of <paramref name="dims"/>.</param>
    /// <param name="dims">The shape; empty for a scalar.</param>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static TensorProto FromFloats(string name, ReadOnlySpan<float> values, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Float, values, sizeof(float), BinaryPrimitives.WriteSingleLittleEndian, dims);

    /// <summary>Makes an int64 tensor named <paramref name="name"/> with shape <paramref name="dims"/> (shapes for Reshape, for example).</summary>
    /// <param name="name">The tensor's name in the graph.</param>
    /// <param name="values">The elements in row-major order; their count must equal the product of <paramref name="dims"/>.</param>
    /// <param name="dims">The shape; empty for a scalar.</param>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> values, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Int64, values, sizeof(long), BinaryPrimitives.WriteInt64LittleEndian, dims);

    private delegate void LittleEndianWriter<T>(Span<byte> destination, T value);

    private static TensorProto Create<T>(
        string name, TensorProto.Types.DataType dataType, ReadOnlySpan<T> values, int elementSize, LittleEndianWriter<T> write, long[] dims)
    {
        long expected = 1;
        foreach (var dim in dims)
            expected *= dim;
        if (expected != values.Length)
            throw new ArgumentException(
                $"Tensor '{name}' has {values.Length} elements but its shape [{string.Join(", ", dims)}] needs {expected}.");

        var bytes = new byte[values.Length * elementSize];
        for (var i = 0; i < values.Length; i++)
            write(bytes.AsSpan(i * elementSize), values[i]);
        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)dataType,
            RawData = ByteString.CopyFrom(bytes),
        };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
