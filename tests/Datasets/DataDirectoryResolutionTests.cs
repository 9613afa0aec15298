using MLNetDeep.Tests.Support;

namespace MLNetDeep.Datasets.Tests;

/// <summary>
/// The order in which the data folder is found: --data, then MLNETDEEP_DATA, then shared/datasets/fashion-mnist
/// above the search starts, then the cache.
/// </summary>
public sealed class DataDirectoryResolutionTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _commandLineFolder;
    private readonly string _environmentFolder;
    private readonly string _sharedFolder;
    private readonly string _cacheFolder;
    private readonly FashionMnistOptions _options;

    public DataDirectoryResolutionTests()
    {
        _commandLineFolder = _temp.Sub("from-command-line");
        _environmentFolder = _temp.Sub("from-environment");
        _sharedFolder = SyntheticIdx.WritePlaceholders(_temp.Sub("checkouts", "shared", "datasets", "fashion-mnist"));
        _cacheFolder = SyntheticIdx.WritePlaceholders(_temp.Sub("cache"));
        _options = new FashionMnistOptions
        {
            CacheDirectory = _cacheFolder,
            AllowDownload = false,
            SearchStartDirectories = [_temp.Sub("checkouts", "wt-datasets", "samples", "FashionMnist")],
        };
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CommandLine_ThenEnvironment_ThenSharedFolder_ThenCache()
    {
        using (new EnvironmentVariableScope(FashionMnist.DataEnvironmentVariable, _environmentFolder))
        {
            Assert.Equal(_commandLineFolder, FashionMnist.ResolveDataDirectory(_commandLineFolder, _options));
            Assert.Equal(_environmentFolder, FashionMnist.ResolveDataDirectory(null, _options));
            Assert.Equal(_environmentFolder, FashionMnist.ResolveDataDirectory("  ", _options));
        }
        using (new EnvironmentVariableScope(FashionMnist.DataEnvironmentVariable, null))
        {
            Assert.Equal(_sharedFolder, FashionMnist.ResolveDataDirectory(null, _options));
            _options.SearchStartDirectories = [_temp.Sub("elsewhere")];
            Assert.Equal(_cacheFolder, FashionMnist.ResolveDataDirectory(null, _options));
        }
    }

    [Fact]
    public void SharedFolder_IsFoundFromTheSecondSearchStart_AndSkippedWhenIncomplete()
    {
        using var noEnvironment = new EnvironmentVariableScope(FashionMnist.DataEnvironmentVariable, null);
        _options.SearchStartDirectories = [_temp.Sub("elsewhere"), _temp.Sub("checkouts", "bin")];
        Assert.Equal(_sharedFolder, FashionMnist.ResolveDataDirectory(null, _options));

        File.Delete(FashionMnist.TestLabels.PathIn(_sharedFolder));
        Assert.Equal(_cacheFolder, FashionMnist.ResolveDataDirectory(null, _options));
    }

    [Fact]
    public void RelativeCommandLineFolder_IsMadeFull()
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), _commandLineFolder);

        Assert.Equal(_commandLineFolder, FashionMnist.ResolveDataDirectory(relative, _options));
    }

    [Fact]
    public void MissingCommandLineFolder_IsAnErrorRatherThanAFallback()
    {
        var missing = Path.Combine(_temp.Path, "typo");

        var error = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.ResolveDataDirectory(missing, _options));

        Assert.Contains($"The --data folder, '{missing}', does not exist", error.Message);
    }

    [Fact]
    public void MissingEnvironmentFolder_IsAnErrorRatherThanAFallback()
    {
        var missing = Path.Combine(_temp.Path, "typo");
        using var environment = new EnvironmentVariableScope(FashionMnist.DataEnvironmentVariable, missing);

        var error = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.ResolveDataDirectory(null, _options));

        Assert.Contains($"MLNETDEEP_DATA environment variable, '{missing}', does not exist", error.Message);
    }

    [Fact]
    public void EnvironmentVariable_IsRestoredByTheScope()
    {
        var before = Environment.GetEnvironmentVariable(FashionMnist.DataEnvironmentVariable);
        using (new EnvironmentVariableScope(FashionMnist.DataEnvironmentVariable, _environmentFolder))
            Assert.Equal(_environmentFolder, Environment.GetEnvironmentVariable(FashionMnist.DataEnvironmentVariable));

        Assert.Equal(before, Environment.GetEnvironmentVariable(FashionMnist.DataEnvironmentVariable));
    }

    [Theory]
    [InlineData(new[] { "--epochs", "3", "--data", "/data/fm" }, "/data/fm")]
    [InlineData(new[] { "--data=/data/fm", "--epochs", "3" }, "/data/fm")]
    [InlineData(new[] { "--epochs", "3" }, null)]
    [InlineData(new string[0], null)]
    public void DataArgument_IsReadInBothForms(string[] args, string? expected)
    {
        Assert.Equal(expected, FashionMnist.GetDataArgument(args));
    }

    [Fact]
    public void DataArgumentWithoutValue_IsAnError()
    {
        var error = Assert.Throws<ArgumentException>(() => FashionMnist.GetDataArgument(["--epochs", "3", "--data"]));

        Assert.Contains("--data needs a folder after it", error.Message);
    }

    [Fact]
    public void DefaultCache_IsPerUserAndFollowsXdgCacheHome()
    {
        using (new EnvironmentVariableScope("XDG_CACHE_HOME", _temp.Path))
            Assert.Equal(Path.Combine(_temp.Path, "mlnetdeep", "fashion-mnist"), FashionMnist.DefaultCacheDirectory);
        using (new EnvironmentVariableScope("XDG_CACHE_HOME", null))
            Assert.Equal(
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "mlnetdeep", "fashion-mnist"),
                FashionMnist.DefaultCacheDirectory);
    }
}
