using Microsoft.ML;
using MLNetDeep.Pretrained.Imaging;

namespace MLNetDeep.Bench;

/// <summary>
/// ../shared/datasets/flowers-small (200 JPEGs, 5 classes, CC BY 2.0: photographers in its LICENSE.txt), from --flowers
/// or found above the current folder. Photos are ordered by class folder, then file name, so every run sees the same order.
/// </summary>
internal sealed record Flowers(string Folder, IReadOnlyList<(string Path, string Class)> Photos)
{
    public static Flowers From(Args args)
    {
        var folder = args.Get("--flowers", null!) ?? Find();
        var photos = Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).Select(f => (f, Path.GetFileName(d))))
            .ToList();
        if (photos.Count == 0)
            throw new DirectoryNotFoundException($"No JPEGs in class folders under '{folder}'.");
        return new Flowers(folder, photos);
    }

    public string[] ClassNames => Photos.Select(p => p.Class).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>The estimator's own rows: encoded bytes and the class index.</summary>
    public List<ImageRow> Rows(int count) => Photos.Take(count)
        .Select((p, i) => new ImageRow(i, Array.IndexOf(ClassNames, p.Class), File.ReadAllBytes(p.Path), p.Path)).ToList();

    /// <summary>The data a user gives the estimator: raw image bytes (LoadRawImageBytes) and a key label.</summary>
    public IDataView DataView(MLContext ml)
    {
        var data = ml.Data.LoadFromEnumerable(Photos.Select(p => new Photo { Path = p.Path, Class = p.Class }));
        var keys = ml.Data.LoadFromEnumerable(ClassNames.Select(c => new ClassName { Class = c }));
        return ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, "Path")
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: keys))
            .Fit(data).Transform(data);
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "datasets", "flowers-small"), Path.Combine(dir.FullName, "..", "shared", "datasets", "flowers-small") })
            {
                if (Directory.Exists(candidate))
                    return Path.GetFullPath(candidate);
            }
        }
        throw new DirectoryNotFoundException("shared/datasets/flowers-small was not found above the current folder; pass --flowers DIR.");
    }

    private sealed class ClassName
    {
        public string Class { get; set; } = "";
    }

    private sealed class Photo
    {
        public string Path { get; set; } = "";

        public string Class { get; set; } = "";
    }
}

/// <summary>The load average the benchmark ran under: every image figure records it per round.</summary>
internal static class LoadAverage
{
    public static string Now() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
