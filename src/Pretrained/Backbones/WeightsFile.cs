using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>Checks a weights file's SHA-256, once per file version in a process (hashing 60 MB takes a fraction of a second, but every Fit would pay it).</summary>
internal static class WeightsFile
{
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Written), string> Known = new();

    /// <summary>The file's SHA-256 (lowercase hex).</summary>
    /// <exception cref="InvalidDataException">The file is missing or unreadable.</exception>
    public static string Sha256(string path, string what)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new InvalidDataException($"The {what} file '{path}' does not exist.");
        try
        {
            return Known.GetOrAdd((file.FullName, file.Length, file.LastWriteTimeUtc), _ =>
            {
                using var stream = File.OpenRead(path);
                return Convert.ToHexStringLower(SHA256.HashData(stream));
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"The {what} file '{path}' could not be read: {e.Message}", e);
        }
    }

    /// <summary>Throws unless <paramref name="path"/> has SHA-256 <paramref name="expected"/>; returns the hash.</summary>
    public static string Check(string path, string? expected, string what)
    {
        var actual = Sha256(path, what);
        if (expected is not null && actual != expected)
            throw new InvalidDataException(
                $"The {what} file '{path}' has SHA-256 {actual}, but {expected} was expected: it is a different or damaged file. " +
                "Restore the original file, or pass its real checksum if the change is intended.");
        return actual;
    }
}
