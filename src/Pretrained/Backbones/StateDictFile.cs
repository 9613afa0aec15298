using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>
/// Reads the table of contents of a state-dict file, names, element types and shapes, without reading the values, so a
/// file can be checked against a network before anything is loaded.
/// </summary>
internal static class StateDictFile
{
    /// <summary>One tensor's entry: its element type as the file spells it, and its shape.</summary>
    public sealed record Entry(string ElementType, long[] Shape);

    /// <summary>
    /// The entries of a TorchSharp <c>Module.save</c> file: a LEB128 count, then per tensor a length-prefixed name, the
    /// LEB128 element type, rank and dimensions, and the raw values.
    /// </summary>
    public static Dictionary<string, Entry> ReadTorchSharp(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            var count = Decode(reader);
            for (long i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var type = (ScalarType)Decode(reader);
                var rank = Decode(reader);
                if (rank is < 0 or > 16)
                    throw new InvalidDataException($"tensor '{name}' has rank {rank}");
                var shape = new long[rank];
                for (var d = 0; d < rank; d++)
                    shape[d] = Decode(reader);
                var bytes = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(type, name);
                if (bytes < 0 || stream.Position + bytes > stream.Length)
                    throw new InvalidDataException($"tensor '{name}' needs {bytes} bytes past offset {stream.Position} of {stream.Length}");
                stream.Seek(bytes, SeekOrigin.Current);
                entries[name] = new Entry(type.ToString(), shape);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException)
        {
            throw new WeightsFileException(path, null, $"'{path}' is not a readable TorchSharp state-dict file (Module.save): {e.Message}.", e);
        }
        return entries;
    }

    /// <summary>
    /// The entries of a safetensors file: an 8-byte little-endian header length, then a JSON object mapping each tensor
    /// name to its <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> (and an optional <c>__metadata__</c>).
    /// </summary>
    public static Dictionary<string, Entry> ReadSafetensors(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> length = stackalloc byte[8];
            stream.ReadExactly(length);
            var headerLength = BitConverter.ToInt64(length);
            if (headerLength <= 0 || headerLength > Math.Min(stream.Length - 8, 100_000_000))
                throw new InvalidDataException($"its header length {headerLength} does not fit the file's {stream.Length} bytes");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            using var json = JsonDocument.Parse(header);
            var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var property in json.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
            {
                var shape = property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                entries[property.Name] = new Entry(property.Value.GetProperty("dtype").GetString() ?? "", shape);
            }
            return entries;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new WeightsFileException(path, null, $"'{path}' is not a readable safetensors file: {e.Message}.", e);
        }
    }

    /// <summary>
    /// Reads the table of contents of the file at <paramref name="path"/> with <paramref name="read"/>, checks it against
    /// <paramref name="network"/> (<see cref="Check"/>), and only then lets <paramref name="load"/> copy the values in.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFileException">The file does not hold exactly the network's tensors.</exception>
    public static LoadedWeights LoadChecked(
        nn.Module network, string path, WeightsFormat format, Func<string, Dictionary<string, Entry>> read,
        Func<string, string> layerOf, Func<string, bool> optional, Action<string> load)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"The {format} weights file '{fullPath}' does not exist.", fullPath);
        var entries = read(fullPath);
        Check(fullPath, entries, network, layerOf, optional);
        var (_, sha256) = FileDigest.Of(fullPath);
        load(fullPath);
        return new LoadedWeights(fullPath, format, sha256, entries.Count, entries.Values.Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b)));
    }

    /// <summary>
    /// Checks that <paramref name="entries"/> hold exactly the tensors of <paramref name="network"/>'s state dict with the
    /// same shapes; entries for which <paramref name="optional"/> is true may be absent.
    /// </summary>
    /// <param name="path">The file, for the messages.</param>
    /// <param name="entries">What the file holds.</param>
    /// <param name="network">The network to load into.</param>
    /// <param name="layerOf">Names the layer a state-dict key belongs to, for the messages.</param>
    /// <param name="optional">Keys the file may lack (a batch norm's step counter).</param>
    public static void Check(string path, Dictionary<string, Entry> entries, nn.Module network, Func<string, string> layerOf, Func<string, bool> optional)
    {
        var state = network.state_dict();
        foreach (var (key, tensor) in state)
        {
            if (!entries.TryGetValue(key, out var entry))
            {
                if (optional(key))
                    continue;
                throw new WeightsFileException(path, layerOf(key),
                    $"'{path}' has no tensor '{key}' (layer '{layerOf(key)}', expected shape [{string.Join(", ", tensor.shape)}]){MissingCount(state.Keys, entries, optional)}.");
            }
            if (!entry.Shape.SequenceEqual(tensor.shape))
                throw new WeightsFileException(path, layerOf(key),
                    $"'{path}': tensor '{key}' (layer '{layerOf(key)}') has shape [{string.Join(", ", entry.Shape)}], expected [{string.Join(", ", tensor.shape)}].");
        }
        var extra = entries.Keys.FirstOrDefault(key => !state.ContainsKey(key));
        if (extra is not null)
            throw new WeightsFileException(path, layerOf(extra),
                $"'{path}' has tensor '{extra}' (shape [{string.Join(", ", entries[extra].Shape)}]), which the network does not have"
                + $"{(entries.Keys.Count(k => !state.ContainsKey(k)) is var n && n > 1 ? $", and {n - 1} more" : "")}.");
    }

    private static string MissingCount(IEnumerable<string> keys, Dictionary<string, Entry> entries, Func<string, bool> optional)
    {
        var missing = keys.Count(k => !entries.ContainsKey(k) && !optional(k));
        return missing > 1 ? $", nor {missing - 1} other tensor(s)" : "";
    }

    private static long Decode(BinaryReader reader)
    {
        long result = 0;
        var shift = 0;
        while (true)
        {
            var b = reader.ReadByte();
            result |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return result;
            shift += 7;
            if (shift > 63)
                throw new InvalidDataException("a LEB128 number runs past 64 bits");
        }
    }

    private static long ElementSize(ScalarType type, string name) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new InvalidDataException($"tensor '{name}' has element type {(int)type}, which TorchSharp does not write"),
    };
}
