using System.Reflection;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Transforms.Tests.Packaging;

/// <summary>
/// The serving assembly stays light: an app that only scores models must not pull in libtorch's managed binding,
/// the image stack or the plotting library, directly or through anything MLNetDeep.Transforms references.
/// </summary>
public sealed class ServingDependenciesTests
{
    private static readonly string[] Forbidden = { "TorchSharp", "SkiaSharp", "ScottPlot", "Microsoft.ML.ImageAnalytics", "MLNetDeep.Trainers", "MLNetDeep.Pretrained" };

    private static bool IsForbidden(AssemblyName name) =>
        Forbidden.Any(f => name.Name!.Equals(f, StringComparison.OrdinalIgnoreCase) || name.Name!.StartsWith(f + ".", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void TheServingAssemblyReferencesNeitherTorchSharpNorSkiaSharpNorScottPlot()
    {
        var serving = typeof(BatchPredictor).Assembly;
        Assert.Equal("MLNetDeep.Transforms", serving.GetName().Name);
        var direct = serving.GetReferencedAssemblies();
        Assert.Contains(direct, r => r.Name == "Microsoft.ML.OnnxTransformer" || r.Name == "Microsoft.ML.OnnxRuntime");
        Assert.Empty(direct.Where(IsForbidden).Select(r => r.FullName));
    }

    [Fact]
    public void NothingTheServingAssemblyReachesReferencesThemEither()
    {
        // The closure over what loads from this test's output folder, where every MLNetDeep dependency is present.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<(Assembly Assembly, string Path)>();
        var serving = typeof(BatchPredictor).Assembly;
        pending.Enqueue((serving, serving.GetName().Name!));
        seen.Add(serving.GetName().Name!);
        var offending = new List<string>();
        while (pending.Count > 0)
        {
            var (assembly, path) = pending.Dequeue();
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (!seen.Add(reference.Name!))
                    continue;
                if (IsForbidden(reference))
                {
                    offending.Add($"{path} -> {reference.Name}");
                    continue;
                }
                if (reference.Name!.StartsWith("System", StringComparison.Ordinal) || reference.Name == "netstandard" || reference.Name == "mscorlib")
                    continue;
                Assembly loaded;
                try
                {
                    loaded = Assembly.Load(reference);
                }
                catch (FileNotFoundException)
                {
                    continue;
                }
                pending.Enqueue((loaded, $"{path} -> {reference.Name}"));
            }
        }
        Assert.True(seen.Count > 5, $"only {seen.Count} assemblies were reached; the walk did not run");
        Assert.Empty(offending);
    }
}
