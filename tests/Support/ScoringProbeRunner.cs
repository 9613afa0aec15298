using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Tests.Support;

/// <summary>
/// Runs tests/ScoringProbe, a serving app that references only Microsoft.ML, OnnxTransformer and
/// ONNX Runtime, as a child process: it loads a model zip, scores rows, and lists what it loaded.
/// </summary>
internal static class ScoringProbeRunner
{
    public sealed record Result(IReadOnlyList<string> Rows, IReadOnlyList<string> Assemblies, IReadOnlyList<string> NativeLibraries);

    public static string ProbePath { get; } = typeof(ScoringProbeRunner).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ScoringProbePath").Value!;

    public static Result Score(string modelZip, IReadOnlyList<float[]> rows)
    {
        Assert.True(File.Exists(ProbePath), $"ScoringProbe was not built at {ProbePath}");
        string dir = Directory.CreateTempSubdirectory("mlnetdeep-probe-").FullName;
        try
        {
            string features = Path.Combine(dir, "features.f32");
            string output = Path.Combine(dir, "scores.txt");
            int width = rows[0].Length;
            var flat = rows.SelectMany(r => r).ToArray();
            var bytes = new byte[flat.Length * sizeof(float)];
            Buffer.BlockCopy(flat, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(features, bytes);

            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { ProbePath, modelZip, features, width.ToString(CultureInfo.InvariantCulture), output })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            string stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "ScoringProbe did not finish within 2 minutes");
            Assert.True(process.ExitCode == 0, $"ScoringProbe exited with {process.ExitCode}: {stdout}\n{stderr}");

            var lines = File.ReadAllLines(output);
            return new Result(
                lines.Where(l => !l.StartsWith('#')).ToList(),
                lines.Where(l => l.StartsWith("#assembly ")).Select(l => l["#assembly ".Length..]).ToList(),
                lines.Where(l => l.StartsWith("#native ")).Select(l => l["#native ".Length..]).ToList());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Parses the leading float values of a probe output row (the Score vector or scalar).</summary>
    public static float[] Scores(string row) => row.Split(' ')
        .TakeWhile(p => !p.Contains('='))
        .Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The value of a "name=value" field of a probe output row.</summary>
    public static string Field(string row, string name) =>
        row.Split(' ').Single(p => p.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];
}
