namespace MLNetDeep.Tests.Support;

/// <summary>Checks on what a ScoringProbe child process loaded.</summary>
internal static class ProbeAssertions
{
    /// <summary>ML.NET scored through ONNX Runtime, and nothing of TorchSharp, libtorch or MLNetDeep was loaded.</summary>
    public static void LoadedOnlyMlNetAndOnnxRuntime(ScoringProbeRunner.Result result)
    {
        Assert.Contains("Microsoft.ML.OnnxTransformer", result.Assemblies);
        Assert.DoesNotContain(result.Assemblies, a => a.StartsWith("TorchSharp", StringComparison.Ordinal) || a.StartsWith("MLNetDeep", StringComparison.Ordinal));
        Assert.Contains(result.NativeLibraries, n => n.Contains("onnxruntime"));
        Assert.DoesNotContain(result.NativeLibraries, n => n.Contains("libtorch") || n.Contains("LibTorchSharp") || n.Contains("libc10"));
    }
}
