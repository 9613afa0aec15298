using MLNetDeep.Datasets;
namespace MLNetDeep.Tests.Support;

/// <summary>
/// Finds the read-only datasets that sit beside the checkout (<c>../shared/datasets</c>), or where
/// <c>MLNETDEEP_SHARED</c> points. Data is never copied into the repo.
/// </summary>
internal static class SharedData
{
    /// <summary>The <c>shared</c> folder, searched upwards from the test binaries and the working directory.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The folder holding the four Fashion-MNIST IDX <c>.gz</c> files.</summary>
    public static string FashionMnist => Path.Combine(Root, "datasets", "fashion-mnist");

    /// <summary>The 200-image, 5-class flowers folder (CC BY 2.0).</summary>
    public static string FlowersSmall => Path.Combine(Root, "datasets", "flowers-small");

    private static string FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MLNETDEEP_SHARED");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(Path.Combine(fromEnv, "datasets")))
            return fromEnv;
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared");
                if (Directory.Exists(Path.Combine(candidate, "datasets")))
                    return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            "The shared datasets folder was not found: looked for 'shared/datasets' above " +
            $"'{AppContext.BaseDirectory}' and the working directory. Set MLNETDEEP_SHARED to the folder that holds 'datasets'.");
    }
}
