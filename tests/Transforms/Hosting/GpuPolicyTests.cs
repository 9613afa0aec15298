using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Tests.Hosting;

/// <summary>The one GPU rule that training, the scoring chain, BatchPredictor and feature extraction share.</summary>
public sealed class GpuPolicyTests
{
    private static readonly GpuUnavailable Missing = new("the runtime has no CUDA support", "reference the CUDA package", "native says no");

    private static GpuRequest Request(int? device, bool fallback) => new(device, fallback, "Options.Gpu", "Options.Fallback");

    [Fact]
    public void NoDeviceMeansTheCpuWithoutAskingTheRuntime()
    {
        var warnings = new List<string>();
        Assert.Null(GpuPolicy.Choose(Request(null, fallback: false), _ => throw new InvalidOperationException("not asked"), "run", "it runs on the CPU", warnings.Add));
        Assert.Empty(warnings);
    }

    [Fact]
    public void AUsableDeviceIsUsed()
    {
        var tried = new List<int>();
        var warnings = new List<string>();
        Assert.Equal(1, GpuPolicy.Choose(Request(1, fallback: false), d => { tried.Add(d); return null; }, "run", "it runs on the CPU", warnings.Add));
        Assert.Equal(new[] { 1 }, tried);
        Assert.Empty(warnings);
    }

    [Fact]
    public void AnUnusableDeviceFallsBackWithAWarningWhenAllowed()
    {
        var warnings = new List<string>();
        Assert.Null(GpuPolicy.Choose(Request(0, fallback: true), _ => Missing, "train", "MLNetDeep is training on the CPU", warnings.Add));
        Assert.Equal("Options.Gpu is 0 but the runtime has no CUDA support, so MLNetDeep is training on the CPU. Reason: native says no", Assert.Single(warnings));
    }

    [Fact]
    public void AnUnusableDeviceIsAnErrorNamingBothWaysOutWhenFallbackIsOff()
    {
        var warnings = new List<string>();
        var error = Assert.Throws<InvalidOperationException>(() =>
            GpuPolicy.Choose(Request(3, fallback: false), _ => Missing, "score", "unused", warnings.Add));
        Assert.Equal("The runtime has no CUDA support, and Options.Gpu is 3: reference the CUDA package, " +
                     "or set Options.Fallback = true to score on the CPU instead. Reason: native says no", error.Message);
        Assert.Empty(warnings);
    }
}
