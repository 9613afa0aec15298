using System.Reflection;
using System.Text.Json;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Native;

/// <summary>Locates the native libraries the native tests look at.</summary>
internal static class NativeLibraries
{
    public const string LibTorchSharp = "libLibTorchSharp.so";
    public const string Glibcxx3432 = "GLIBCXX_3.4.32";

    /// <summary>
    /// The libLibTorchSharp.so that restore put in the NuGet cache, which the build copies and patches. Found through
    /// the NuGet root the test project was restored with and the package folder this test app's deps.json names,
    /// so it is the same file the build started from, whatever the version or the cache location.
    /// </summary>
    public static string PristineLibTorchSharp()
    {
        var depsPath = Path.Combine(AppContext.BaseDirectory, Assembly.GetExecutingAssembly().GetName().Name + ".deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsPath));
        var packageFolder = deps.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Name.StartsWith("TorchSharp/", StringComparison.Ordinal))
            .Select(l => l.Value.GetProperty("path").GetString())
            .SingleOrDefault()
            ?? throw new InvalidOperationException($"'{depsPath}' lists no TorchSharp package under 'libraries'.");

        var path = Path.Combine(NuGetPackageRoot(), packageFolder, "runtimes", "linux-x64", "native", LibTorchSharp);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The NuGet cache copy of {LibTorchSharp} was not found at '{path}'. Run 'dotnet restore' first.", path);
        return path;
    }

    /// <summary>
    /// The path of the libLibTorchSharp.so mapped into this process, read from /proc/self/maps: the copy the
    /// loader really chose, not the one we expect it to choose.
    /// </summary>
    public static string? LoadedLibTorchSharp() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].EndsWith("/" + LibTorchSharp, StringComparison.Ordinal))
            .Select(fields => fields[5].Trim())
            .FirstOrDefault();

    /// <summary>The Flags column of <c>readelf -V</c> for a version requirement, or null when readelf is not installed.</summary>
    public static string? ReadelfFlags(string library, string versionName)
    {
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("readelf", ["-V", "-W", library])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // readelf (binutils) is absent: the caller relies on the in-process parser alone
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"readelf -V '{library}' exited with {process.ExitCode}: {process.StandardError.ReadToEnd()}");
            var line = output.Split('\n').FirstOrDefault(l => l.Contains($"Name: {versionName} "))
                ?? throw new InvalidOperationException($"readelf -V '{library}' lists no requirement named {versionName}.");
            var flags = line[(line.IndexOf("Flags:", StringComparison.Ordinal) + "Flags:".Length)..].Trim();
            return flags[..flags.IndexOf(' ')];
        }
    }

    private static string NuGetPackageRoot()
    {
        var fromBuild = Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value;
        if (!string.IsNullOrEmpty(fromBuild))
            return fromBuild;
        // The attribute is set by the test project; these are NuGet's own defaults, for a build that lacked it.
        return Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }
}
