using System.Security.Cryptography;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>File hashes, lowercase hex, read in one pass.</summary>
internal static class FileDigest
{
    /// <summary>The MD5 (Keras publishes these) and SHA-256 (recorded with a model) of <paramref name="path"/>.</summary>
    public static (string Md5, string Sha256) Of(string path)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, read);
            sha256.AppendData(buffer, 0, read);
        }
        return (Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }
}
