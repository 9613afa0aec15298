using System.Security.Cryptography;

namespace MLNetDeep.Datasets;

/// <summary>
/// Downloads a file whose SHA-256 is known, so that the destination either does not appear or holds exactly the
/// expected bytes: the body goes to a temporary file in the destination folder (so the final rename stays on one file
/// system and is atomic), is hashed while it is written, and is renamed only when the hash matches.
/// </summary>
internal static class VerifiedDownload
{
    public static void ToFile(HttpClient http, Uri url, string destinationPath, string expectedSha256)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(destinationPath))!;
        Directory.CreateDirectory(directory);
        var temporaryPath = Path.Combine(directory, $".{Path.GetFileName(destinationPath)}.{Guid.NewGuid():N}.download");
        try
        {
            var actualSha256 = DownloadAndHash(http, url, temporaryPath);
            if (!string.Equals(actualSha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException(
                    $"The download of '{url}' for '{destinationPath}' was rejected: SHA-256 mismatch, expected " +
                    $"{expectedSha256}, actual {actualSha256}. Nothing was written. Check FashionMnistOptions.BaseUrl, " +
                    "or put the official files in a folder and pass it with --data or MLNETDEEP_DATA.");
            File.Move(temporaryPath, destinationPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporaryPath);
        }
    }

    private static string DownloadAndHash(HttpClient http, Uri url, string temporaryPath)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException(
                    $"Downloading '{url}' failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. " +
                    "Check FashionMnistOptions.BaseUrl, or put the files in a folder and pass it with --data or MLNETDEEP_DATA.",
                    null, response.StatusCode);
            using var body = response.Content.ReadAsStream();
            using var file = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = body.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                file.Write(buffer, 0, read);
            }
            // Flushed to disk before the rename, so that a crash cannot leave a renamed but empty file.
            file.Flush(flushToDisk: true);
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (Exception e) when (e is HttpRequestException { StatusCode: null } or TaskCanceledException or HttpIOException)
        {
            throw new HttpRequestException(
                $"Downloading '{url}' failed: {e.Message} Without internet access, put the four Fashion-MNIST files in a " +
                "folder and pass it with --data or the MLNETDEEP_DATA environment variable.", e);
        }
    }
}
