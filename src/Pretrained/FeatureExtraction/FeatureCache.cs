using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MLNetDeep.Pretrained.FeatureExtraction;

/// <summary>
/// The backbone features of images already seen, keyed by the image's SHA-256 and the backbone's key (weights,
/// preprocessing, decoder): ML.NET's bottleneck cache. Always in memory for the trainer object's life; also on disk
/// when a folder is given, one file per image under a folder per backbone, written atomically.
/// </summary>
internal sealed class FeatureCache(string? directory)
{
    private const uint Magic = 0x4654464D; // "MFTF"
    private readonly ConcurrentDictionary<(string Backbone, string Image), float[]> _memory = new();

    public string? Directory { get; } = directory;

    /// <summary>Features found (in memory or on disk) and computed, since creation.</summary>
    public int Hits => _hits;

    public int Misses => _misses;

    private int _hits;
    private int _misses;

    public bool TryGet(string backbone, string image, int? featureCount, out float[] features)
    {
        if (_memory.TryGetValue((backbone, image), out features!) && (featureCount is null || features.Length == featureCount))
        {
            Interlocked.Increment(ref _hits);
            return true;
        }
        if (Directory is not null && TryRead(PathOf(backbone, image), featureCount, out features))
        {
            _memory[(backbone, image)] = features;
            Interlocked.Increment(ref _hits);
            return true;
        }
        Interlocked.Increment(ref _misses);
        features = [];
        return false;
    }

    public void Add(string backbone, string image, float[] features, string backboneDescription)
    {
        _memory[(backbone, image)] = features;
        if (Directory is null)
            return;
        var path = PathOf(backbone, image);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var about = Path.Combine(Directory, backbone[..16], "backbone.txt");
        if (!File.Exists(about))
            WriteAtomically(about, System.Text.Encoding.UTF8.GetBytes($"{backboneDescription}\nkey {backbone}\n"));
        var bytes = new byte[8 + 4 * features.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), Magic);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), features.Length);
        MemoryMarshal.AsBytes(features.AsSpan()).CopyTo(bytes.AsSpan(8));
        WriteAtomically(path, bytes);
    }

    private string PathOf(string backbone, string image) => Path.Combine(Directory!, backbone[..16], image[..2], image + ".f32");

    /// <summary>A file that is short, foreign or of another width is ignored (and rewritten), never trusted.</summary>
    private static bool TryRead(string path, int? featureCount, out float[] features)
    {
        features = [];
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        if (bytes.Length < 8 || BitConverter.ToUInt32(bytes, 0) != Magic)
            return false;
        var count = BitConverter.ToInt32(bytes, 4);
        if (count <= 0 || bytes.Length != 8 + 4L * count || featureCount is { } expected && count != expected)
            return false;
        features = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(8)).ToArray();
        return features.All(float.IsFinite);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
