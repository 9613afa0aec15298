using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Checkpoints;

/// <summary>
/// Reads and writes the single checkpoint file of a training run: network weights, optimizer state,
/// both random generators, early-stopping best weights and the JSON metadata (history, schedule and
/// early-stopping state). Writes go to a temporary file in the same folder, are flushed to disk, and
/// replace the previous checkpoint with an atomic rename, so a crash at any moment leaves either the
/// old checkpoint or the new one, never a torn file. The file ends with a SHA-256 of everything before
/// it, checked before anything is parsed: bytes damaged on disk or in a copy would otherwise load as
/// silently different weights, since tensor data has no structure to betray them.
/// </summary>
/// <remarks>
/// Layout: "MLNDCKPT", format version (Int32), metadata JSON (length-prefixed UTF-8), then TorchSharp's
/// own tensor streams (network, optimizer, random generators, best weights), then the 32-byte hash.
/// Nothing in it is executable: no pickle, no BinaryFormatter, no type names that pick code to run.
/// </remarks>
internal static class CheckpointStore
{
    // Version 3: the optimizer state is one flat tensor per statistic (FlatParameters), not one per parameter.
    public const int FormatVersion = 3;
    private const int HashLength = 32;
    public const string FileName = "checkpoint.mlnd";
    private static readonly byte[] Magic = "MLNDCKPT"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public static void Write(string directory, CheckpointMetadata metadata, nn.Module network, optim.Optimizer optimizer,
        Generator generator, ParameterSnapshot? best)
    {
        Directory.CreateDirectory(directory);
        string target = PathIn(directory);
        string temp = Path.Combine(directory, $".{FileName}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(FormatVersion);
                    writer.Write(JsonSerializer.Serialize(metadata, Json));
                    network.save(writer);
                    ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(writer);
                    using (var rng = torch.random.get_rng_state())
                        rng.Save(writer);
                    using (var generatorState = generator.get_state())
                        generatorState.Save(writer);
                    best?.Save(writer);
                }
                stream.Position = 0;
                byte[] hash = SHA256.HashData(stream);
                stream.Write(hash);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Loads the checkpoint in <paramref name="directory"/> into the given objects, or returns null when
    /// there is none. A checkpoint written for other options or data is refused with a clear error.
    /// </summary>
    public static CheckpointMetadata? TryRead(string directory, string fingerprint, nn.Module network, optim.Optimizer optimizer,
        Generator generator, Func<ParameterSnapshot>? bestTemplate, out ParameterSnapshot? best)
    {
        best = null;
        RemoveStaleTemporaryFiles(directory);
        string path = PathIn(directory);
        if (!File.Exists(path))
            return null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var metadata = ReadHeader(reader, path);
            if (metadata.Fingerprint != fingerprint)
            {
                throw new InvalidOperationException(
                    $"The checkpoint '{path}' was written by a run with different options or data, so it cannot be resumed. " +
                    "Use a new CheckpointDirectory, or delete the old checkpoint to start over.");
            }
            network.load(reader, strict: true);
            ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(reader);
            using (var rng = TensorExtensionMethods.Load(reader))
                torch.random.set_rng_state(rng);
            using (var generatorState = TensorExtensionMethods.Load(reader))
                generator.set_state(generatorState);
            if (metadata.HasBestWeights && bestTemplate is not null)
                best = ParameterSnapshot.Load(reader, bestTemplate());
            return metadata;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or JsonException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"The checkpoint '{path}' is damaged or truncated and cannot be loaded ({ex.Message}). Delete it to start over.", ex);
        }
    }

    /// <summary>Reads only the metadata: enough to inspect a checkpoint (its epochs) without a network.</summary>
    public static CheckpointMetadata ReadMetadata(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            return ReadHeader(reader, path);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or JsonException)
        {
            throw new InvalidDataException($"The checkpoint '{path}' is damaged or truncated and cannot be loaded ({ex.Message}).", ex);
        }
    }

    /// <summary>Checks the magic, the version and the hash, then reads the metadata; the stream is left at the tensors.</summary>
    private static CheckpointMetadata ReadHeader(BinaryReader reader, string path)
    {
        var magic = reader.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not an MLNetDeep checkpoint (wrong magic bytes).");
        int version = reader.ReadInt32();
        if (version != FormatVersion)
            throw new InvalidDataException($"The checkpoint '{path}' has format version {version}; this MLNetDeep reads version {FormatVersion}.");
        VerifyHash(reader.BaseStream, path);
        return JsonSerializer.Deserialize<CheckpointMetadata>(reader.ReadString(), Json)
            ?? throw new InvalidDataException($"The checkpoint '{path}' has empty metadata.");
    }

    private static void VerifyHash(Stream stream, string path)
    {
        long resume = stream.Position;
        long bodyLength = stream.Length - HashLength;
        if (bodyLength < resume)
            throw new EndOfStreamException($"the file is {stream.Length} bytes, too short to hold a checkpoint");
        stream.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        for (long left = bodyLength; left > 0;)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
                throw new EndOfStreamException("the file ended while it was being hashed");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        var stored = new byte[HashLength];
        stream.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
            throw new InvalidDataException($"The checkpoint '{path}' is damaged: its SHA-256 does not match its contents. Delete it to start over.");
        stream.Position = resume;
    }

    /// <summary>A process killed mid-write leaves its temporary file; the previous checkpoint is intact, so it is discarded.</summary>
    private static void RemoveStaleTemporaryFiles(string directory)
    {
        if (!Directory.Exists(directory))
            return;
        foreach (var stale in Directory.EnumerateFiles(directory, $".{FileName}.*.tmp"))
            TryDelete(stale);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
