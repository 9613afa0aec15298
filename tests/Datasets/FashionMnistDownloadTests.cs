using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Xunit.Abstractions;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Datasets.Tests;

/// <summary>
/// The download path, against a loopback HTTP server that serves the shared files (this machine has no internet).
/// </summary>
public sealed class FashionMnistDownloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void MissingData_IsDownloadedIntoTheCache_VerifiedAndOnlyWhatIsMissing()
    {
        using var server = new LoopbackFileServer(RealFashionMnistFixture.Directory);
        using var noEnvironment = new EnvironmentVariableScope(FashionMnist.DataEnvironmentVariable, null);
        var cache = Path.Combine(_temp.Path, "cache");
        var options = OptionsWithoutSharedFolder(server.BaseUrl, cache);
        var stopwatch = Stopwatch.StartNew();

        var resolved = FashionMnist.ResolveDataDirectory(null, options);

        output.WriteLine($"Downloaded the four files over loopback in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(cache, resolved);
        Assert.Equal(FashionMnist.Files.Select(file => file.FileName), server.Requests);
        Assert.Equal(FashionMnist.Files.Select(file => file.FileName).Order(), Directory.GetFiles(cache).Select(Path.GetFileName).Order());
        foreach (var file in FashionMnist.Files)
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file.PathIn(cache)))));

        File.Delete(FashionMnist.TrainLabels.PathIn(cache));
        Assert.Equal(cache, FashionMnist.ResolveDataDirectory(null, options));
        Assert.Equal([.. FashionMnist.Files.Select(file => file.FileName), FashionMnist.TrainLabels.FileName], server.Requests);
        Assert.Equal(60_000, IdxReader.ReadLabels(FashionMnist.TrainLabels.PathIn(cache)).Length);
    }

    [Fact]
    public void CorruptDownload_IsRejectedAndLeavesNoFileBehind()
    {
        using var server = new LoopbackFileServer(RealFashionMnistFixture.Directory, FlipOneByte);
        // Only the small labels file is missing, so the test downloads 29 kB rather than 26 MB.
        var cache = SyntheticIdx.WritePlaceholders(_temp.Sub("cache"), except: FashionMnist.TrainLabels);

        var error = Assert.Throws<InvalidDataException>(() => FashionMnist.Download(cache, new FashionMnistOptions { BaseUrl = server.BaseUrl }));

        Assert.Contains($"'{new Uri(server.BaseUrl, FashionMnist.TrainLabels.FileName)}'", error.Message);
        Assert.Contains($"expected {FashionMnist.TrainLabels.Sha256}", error.Message);
        Assert.Contains("actual ", error.Message);
        Assert.Equal([FashionMnist.TrainLabels.FileName], server.Requests);
        Assert.Equal(
            FashionMnist.Files.Where(file => file != FashionMnist.TrainLabels).Select(file => file.FileName).Order(),
            Directory.GetFileSystemEntries(cache).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void CorruptFileAmongGoodOnes_KeepsTheGoodOnesAndStops()
    {
        using var server = new LoopbackFileServer(RealFashionMnistFixture.Directory,
            (name, bytes) => name == FashionMnist.TestImages.FileName ? FlipOneByte(name, bytes) : bytes);
        var cache = Path.Combine(_temp.Path, "cache");
        File.CreateSymbolicLink(Path.Combine(_temp.Sub("cache"), FashionMnist.TrainImages.FileName), FashionMnist.TrainImages.PathIn(RealFashionMnistFixture.Directory));

        var error = Assert.Throws<InvalidDataException>(() => FashionMnist.Download(cache, new FashionMnistOptions { BaseUrl = server.BaseUrl }));

        Assert.Contains(FashionMnist.TestImages.FileName, error.Message);
        Assert.Equal([FashionMnist.TrainLabels.FileName, FashionMnist.TestImages.FileName], server.Requests);
        Assert.Equal([FashionMnist.TrainImages.FileName, FashionMnist.TrainLabels.FileName],
            Directory.GetFileSystemEntries(cache).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void FileMissingOnTheServer_GivesTheUrlAndStatus()
    {
        using var server = new LoopbackFileServer(_temp.Sub("empty-server"));
        var cache = Path.Combine(_temp.Path, "cache");

        var error = Assert.Throws<HttpRequestException>(() => FashionMnist.Download(cache, new FashionMnistOptions { BaseUrl = server.BaseUrl }));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains($"'{new Uri(server.BaseUrl, FashionMnist.TrainImages.FileName)}' failed: HTTP 404", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(cache));
    }

    [Fact]
    public void UnreachableServer_SaysHowToWorkOffline()
    {
        var closedPort = new Uri("http://127.0.0.1:9/"); // discard port: nothing listens there
        var cache = Path.Combine(_temp.Path, "cache");

        var error = Assert.Throws<HttpRequestException>(() => FashionMnist.Download(cache, new FashionMnistOptions { BaseUrl = closedPort }));

        Assert.Contains("Downloading 'http://127.0.0.1:9/train-images-idx3-ubyte.gz' failed", error.Message);
        Assert.Contains("MLNETDEEP_DATA", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(cache));
    }

    [Fact]
    public void BaseUrlWithoutTrailingSlash_StillAppendsTheFileName()
    {
        File.Copy(FashionMnist.TrainLabels.PathIn(RealFashionMnistFixture.Directory), FashionMnist.TrainLabels.PathIn(_temp.Sub("server", "mirror")));
        using var server = new LoopbackFileServer(_temp.Sub("server"));
        var cache = SyntheticIdx.WritePlaceholders(_temp.Sub("cache"), except: FashionMnist.TrainLabels);

        FashionMnist.Download(cache, new FashionMnistOptions { BaseUrl = new Uri(server.BaseUrl, "mirror") });

        Assert.Equal(["mirror/" + FashionMnist.TrainLabels.FileName], server.Requests);
        Assert.Equal(FashionMnist.TrainLabels.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(FashionMnist.TrainLabels.PathIn(cache)))));
    }

    [Theory]
    [InlineData("ftp://example.org/fashion/")]
    [InlineData("fashion/")]
    public void BaseUrlThatIsNotAbsoluteHttp_IsRejected(string baseUrl)
    {
        var options = new FashionMnistOptions { BaseUrl = new Uri(baseUrl, UriKind.RelativeOrAbsolute) };

        var error = Assert.Throws<ArgumentException>(() => FashionMnist.Download(_temp.Path, options));

        Assert.Contains($"FashionMnistOptions.BaseUrl is '{baseUrl}'; expected an absolute http or https URL", error.Message);
    }

    [Fact]
    public void DownloadingOff_AndNoDataAnywhere_ListsWhereItLooked()
    {
        using var noEnvironment = new EnvironmentVariableScope(FashionMnist.DataEnvironmentVariable, null);
        var options = OptionsWithoutSharedFolder(new Uri("http://127.0.0.1:9/"), Path.Combine(_temp.Path, "cache"));
        options.AllowDownload = false;

        var error = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.ResolveDataDirectory(null, options));

        Assert.Contains("no --data value", error.Message);
        Assert.Contains("MLNETDEEP_DATA", error.Message);
        Assert.Contains(options.SearchStartDirectories![0], error.Message);
        Assert.Contains(options.CacheDirectory!, error.Message);
        Assert.Contains("AllowDownload = false", error.Message);
    }

    private FashionMnistOptions OptionsWithoutSharedFolder(Uri baseUrl, string cache) => new()
    {
        BaseUrl = baseUrl,
        CacheDirectory = cache,
        SearchStartDirectories = [_temp.Sub("work", "dir")],
    };

    private static byte[] FlipOneByte(string name, byte[] bytes)
    {
        var corrupt = bytes.ToArray();
        corrupt[corrupt.Length / 2] ^= 0xFF;
        return corrupt;
    }
}
