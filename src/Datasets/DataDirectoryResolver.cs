namespace MLNetDeep.Datasets;

/// <summary>
/// Finds the Fashion-MNIST folder, in order: the command-line value, the <c>MLNETDEEP_DATA</c> environment variable,
/// a <c>shared/datasets/fashion-mnist</c> folder above the search starts, then the download cache (downloading the
/// missing files when allowed).
/// </summary>
internal static class DataDirectoryResolver
{
    private static readonly string SharedRelativePath = Path.Combine("shared", "datasets", "fashion-mnist");

    public static string Resolve(string? commandLineValue, FashionMnistOptions options)
    {
        if (!string.IsNullOrWhiteSpace(commandLineValue))
            return ExistingDirectory(commandLineValue, $"The {FashionMnist.DataArgumentName} folder");

        var fromEnvironment = Environment.GetEnvironmentVariable(FashionMnist.DataEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return ExistingDirectory(fromEnvironment, $"The folder in the {FashionMnist.DataEnvironmentVariable} environment variable");

        var searchStarts = options.SearchStartDirectories ?? [Directory.GetCurrentDirectory(), AppContext.BaseDirectory];
        var shared = FindSharedDirectory(searchStarts);
        if (shared != null)
            return shared;

        var cache = Path.GetFullPath(options.CacheDirectory ?? FashionMnist.DefaultCacheDirectory);
        var missing = FashionMnist.Files.Where(file => !File.Exists(file.PathIn(cache))).ToList();
        if (missing.Count == 0)
            return cache;
        if (!options.AllowDownload)
            throw new DirectoryNotFoundException(
                "Fashion-MNIST was not found: no --data value was given, the MLNETDEEP_DATA environment variable is not set, " +
                $"no '{SharedRelativePath}' folder with the four files is above {string.Join(" or ", searchStarts.Select(s => $"'{s}'"))}, " +
                $"and the cache '{cache}' lacks {string.Join(", ", missing.Select(f => f.FileName))} while downloading is off " +
                "(FashionMnistOptions.AllowDownload = false).");
        FashionMnist.Download(cache, options);
        return cache;
    }

    private static string ExistingDirectory(string path, string source)
    {
        var fullPath = Path.GetFullPath(path);
        if (!Directory.Exists(fullPath))
            throw new DirectoryNotFoundException($"{source}, '{fullPath}', does not exist: expected a folder holding the four Fashion-MNIST .gz files.");
        return fullPath;
    }

    private static string? FindSharedDirectory(IEnumerable<string> searchStarts)
    {
        foreach (var start in searchStarts)
        {
            for (var directory = new DirectoryInfo(Path.GetFullPath(start)); directory != null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, SharedRelativePath);
                if (FashionMnist.Files.All(file => File.Exists(file.PathIn(candidate))))
                    return candidate;
            }
        }
        return null;
    }
}
