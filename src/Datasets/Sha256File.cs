using System.Security.Cryptography;

namespace MLNetDeep.Datasets;

/// <summary>SHA-256 of files on disk, as lower-case hexadecimal, and the check against an expected value.</summary>
internal static class Sha256File
{
    public static string Compute(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static void Verify(string path, string expectedSha256)
    {
        var actual = Compute(path);
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw MismatchError(path, expectedSha256, actual);
    }

    public static InvalidDataException MismatchError(string path, string expectedSha256, string actualSha256) =>
        new($"SHA-256 mismatch for '{path}': expected {expectedSha256}, actual {actualSha256}. " +
            "The file is corrupt, truncated or not the official Fashion-MNIST file. Delete it (a missing file in the " +
            "download cache is downloaded again), or set FashionMnistOptions.VerifyHashes = false to load a modified copy.");
}
