using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>Converts ONNX <see cref="TensorProto"/> values to TorchSharp tensors and back.</summary>
internal static class OnnxTensorConversion
{
    /// <summary>
    /// Makes a CPU tensor holding a copy of <paramref name="proto"/>'s data. <paramref name="externalDataDirectory"/>
    /// is where tensors stored outside the model file are looked for; <see langword="null"/> makes such tensors an error.
    /// </summary>
    public static Tensor ToTorch(TensorProto proto, string? externalDataDirectory)
    {
        var dims = proto.Dims.ToArray();
        var count = dims.Aggregate(1L, (a, b) => a * b);
        var type = (TensorProto.Types.DataType)proto.DataType;
        var raw = ReadRawBytes(proto, externalDataDirectory);
        if (raw is not null)
            return FromRaw(proto.Name, type, raw, dims, count);

        return type switch
        {
            TensorProto.Types.DataType.Float => Checked(proto, proto.FloatData.Count, count, () => torch.tensor(proto.FloatData.ToArray(), dims)),
            TensorProto.Types.DataType.Double => Checked(proto, proto.DoubleData.Count, count, () => torch.tensor(proto.DoubleData.ToArray(), dims)),
            TensorProto.Types.DataType.Int64 => Checked(proto, proto.Int64Data.Count, count, () => torch.tensor(proto.Int64Data.ToArray(), dims)),
            TensorProto.Types.DataType.Int32 => Checked(proto, proto.Int32Data.Count, count, () => torch.tensor(proto.Int32Data.ToArray(), dims)),
            TensorProto.Types.DataType.Int16 => Checked(proto, proto.Int32Data.Count, count, () => torch.tensor(proto.Int32Data.Select(v => (short)v).ToArray(), dims)),
            TensorProto.Types.DataType.Int8 => Checked(proto, proto.Int32Data.Count, count, () => torch.tensor(proto.Int32Data.Select(v => (sbyte)v).ToArray(), dims)),
            TensorProto.Types.DataType.Uint8 => Checked(proto, proto.Int32Data.Count, count, () => torch.tensor(proto.Int32Data.Select(v => (byte)v).ToArray(), dims)),
            TensorProto.Types.DataType.Bool => Checked(proto, proto.Int32Data.Count, count, () => torch.tensor(proto.Int32Data.Select(v => v != 0).ToArray(), dims)),
            TensorProto.Types.DataType.Float16 => Checked(proto, proto.Int32Data.Count, count, () =>
                FromRaw(proto.Name, type, proto.Int32Data.SelectMany(v => BitConverter.GetBytes((ushort)v)).ToArray(), dims, count)),
            _ => throw Unsupported(proto, type),
        };
    }

    /// <summary>Makes a <see cref="TensorProto"/> named <paramref name="name"/> holding a copy of <paramref name="tensor"/> (in <c>raw_data</c>).</summary>
    public static TensorProto ToProto(Tensor tensor, string name)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        var proto = new TensorProto { Name = name, DataType = (int)ToOnnxType(cpu.dtype, name) };
        proto.Dims.AddRange(cpu.shape);
        proto.RawData = ByteString.CopyFrom(cpu.bytes);
        return proto;
    }

    /// <summary>The ONNX element type that stores <paramref name="dtype"/>.</summary>
    public static TensorProto.Types.DataType ToOnnxType(ScalarType dtype, string what) => dtype switch
    {
        ScalarType.Float32 => TensorProto.Types.DataType.Float,
        ScalarType.Float64 => TensorProto.Types.DataType.Double,
        ScalarType.Float16 => TensorProto.Types.DataType.Float16,
        ScalarType.Int64 => TensorProto.Types.DataType.Int64,
        ScalarType.Int32 => TensorProto.Types.DataType.Int32,
        ScalarType.Int16 => TensorProto.Types.DataType.Int16,
        ScalarType.Int8 => TensorProto.Types.DataType.Int8,
        ScalarType.Byte => TensorProto.Types.DataType.Uint8,
        ScalarType.Bool => TensorProto.Types.DataType.Bool,
        _ => throw new NotSupportedException($"'{what}' has element type {dtype}, which has no ONNX counterpart here (expected float32/64, float16, int8/16/32/64, uint8 or bool)."),
    };

    /// <summary>The TorchSharp element type for an ONNX element type, or <see langword="null"/> when there is none.</summary>
    public static ScalarType? ToTorchType(TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Float => ScalarType.Float32,
        TensorProto.Types.DataType.Double => ScalarType.Float64,
        TensorProto.Types.DataType.Float16 => ScalarType.Float16,
        TensorProto.Types.DataType.Bfloat16 => ScalarType.BFloat16,
        TensorProto.Types.DataType.Int64 => ScalarType.Int64,
        TensorProto.Types.DataType.Int32 => ScalarType.Int32,
        TensorProto.Types.DataType.Int16 => ScalarType.Int16,
        TensorProto.Types.DataType.Int8 => ScalarType.Int8,
        TensorProto.Types.DataType.Uint8 => ScalarType.Byte,
        TensorProto.Types.DataType.Bool => ScalarType.Bool,
        _ => null,
    };

    internal static byte[]? ReadRawBytes(TensorProto proto, string? externalDataDirectory)
    {
        if (proto.DataLocation != TensorProto.Types.DataLocation.External)
            return proto.RawData.IsEmpty ? null : proto.RawData.ToByteArray();

        var entries = proto.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        if (!entries.TryGetValue("location", out var location))
            throw new OnnxImportException($"Tensor '{proto.Name}' is stored externally but its external_data has no 'location' entry.") { AttributeName = proto.Name };
        if (externalDataDirectory is null)
            throw new OnnxImportException(
                $"Tensor '{proto.Name}' is stored in the external file '{location}'; load the model from its file path so that the file can be found.")
            { AttributeName = proto.Name };
        var path = ExternalDataLocation.Resolve(externalDataDirectory, location, proto.Name);
        var offset = ReadCount(entries, "offset", proto.Name) ?? 0L;
        try
        {
            using var file = File.OpenRead(path);
            var length = ReadCount(entries, "length", proto.Name) ?? file.Length - offset;
            if (offset + length > file.Length || length < 0)
                throw new OnnxImportException(
                    $"Tensor '{proto.Name}' claims bytes {offset}..{offset + length} of '{path}', which has only {file.Length} bytes (truncated external data).")
                { ModelSource = path, AttributeName = proto.Name };
            var bytes = new byte[length];
            file.Seek(offset, SeekOrigin.Begin);
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException($"The external data file '{path}' of tensor '{proto.Name}' could not be read: {e.Message}", e)
            { ModelSource = path, AttributeName = proto.Name };
        }
    }

    private static long? ReadCount(Dictionary<string, string> entries, string key, string tensorName)
    {
        if (!entries.TryGetValue(key, out var text))
            return null;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            throw new OnnxImportException($"Tensor '{tensorName}' has external_data {key} '{text}'; expected a whole number of bytes, 0 or more.") { AttributeName = tensorName };
        return value;
    }

    private static Tensor FromRaw(string name, TensorProto.Types.DataType type, byte[] raw, long[] dims, long count)
    {
        var dtype = ToTorchType(type) ?? throw new OnnxImportException(
            $"Tensor '{name}' has ONNX element type {type}, which the importer does not support (expected a float, integer or bool type).")
        { AttributeName = name };
        var elementSize = dtype switch
        {
            ScalarType.Float64 or ScalarType.Int64 => 8,
            ScalarType.Float32 or ScalarType.Int32 => 4,
            ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
            _ => 1,
        };
        if (raw.LongLength != count * elementSize)
            throw new OnnxImportException(
                $"Tensor '{name}' should hold {count} {type} values ({count * elementSize} bytes) for shape [{string.Join(",", dims)}] but has {raw.LongLength} bytes (corrupt or truncated data).")
            { AttributeName = name };
        var tensor = torch.empty(dims, dtype);
        // ONNX raw_data is little-endian, which is what every platform .NET runs TorchSharp on uses.
        tensor.bytes = raw;
        return tensor;
    }

    private static Tensor Checked(TensorProto proto, int actual, long expected, Func<Tensor> make)
    {
        if (actual != expected)
            throw new OnnxImportException(
                $"Tensor '{proto.Name}' should hold {expected} values for shape [{string.Join(",", proto.Dims)}] but has {actual} (corrupt or truncated data).")
            { AttributeName = proto.Name };
        return make();
    }

    private static OnnxImportException Unsupported(TensorProto proto, TensorProto.Types.DataType type) =>
        new($"Tensor '{proto.Name}' has ONNX element type {type}, which the importer does not support (expected a float, integer or bool type).")
        { AttributeName = proto.Name };
}
