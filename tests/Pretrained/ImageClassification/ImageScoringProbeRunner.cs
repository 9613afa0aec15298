using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>
/// Runs tests/ImageScoringProbe (Microsoft.ML, OnnxTransformer, ONNX Runtime, ImageAnalytics and
/// MLNetDeep.Transforms.Imaging only) as a child process: it loads an image model zip, scores images, lists what it loaded.
/// </summary>
internal static class ImageScoringProbeRunner
{
    public sealed record Result(IReadOnlyList<float[]> Scores, IReadOnlyList<uint> Labels, long LoadToFirstPredictionMs,
        IReadOnlyList<string> Assemblies, IReadOnlyList<string> NativeLibraries);

    public static string ProbePath { get; } = typeof(ImageScoringProbeRunner).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ImageScoringProbePath").Value!;

    public static Result Score(string modelZip, bool asBytes, IReadOnlyList<string> images)
    {
        Assert.True(File.Exists(ProbePath), $"ImageScoringProbe was not built at {ProbePath}");
        var output = Path.Combine(Path.GetTempPath(), $"mlnetdeep-image-probe-{Guid.NewGuid():N}.txt");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { ProbePath, modelZip, asBytes ? "bytes" : "paths", output }.Concat(images))
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "ImageScoringProbe did not finish within 2 minutes");
            Assert.True(process.ExitCode == 0, $"ImageScoringProbe exited with {process.ExitCode}: {stdout}\n{stderr.Result}");
            var lines = File.ReadAllLines(output);
            var rows = lines.Where(l => !l.StartsWith('#')).ToList();
            return new Result(
                rows.Select(r => r.Split(' ').TakeWhile(p => !p.Contains('=')).Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray()).ToList(),
                rows.Select(r => uint.Parse(r.Split(' ').Single(p => p.StartsWith("label=", StringComparison.Ordinal))[6..], CultureInfo.InvariantCulture)).ToList(),
                long.Parse(lines.Single(l => l.StartsWith("#load ", StringComparison.Ordinal))[6..], CultureInfo.InvariantCulture),
                lines.Where(l => l.StartsWith("#assembly ", StringComparison.Ordinal)).Select(l => l[10..]).ToList(),
                lines.Where(l => l.StartsWith("#native ", StringComparison.Ordinal)).Select(l => l[8..]).ToList());
        }
        finally
        {
            File.Delete(output);
        }
    }
}
