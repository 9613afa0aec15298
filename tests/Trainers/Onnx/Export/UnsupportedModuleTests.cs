using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>Networks the exporter cannot write fail before anything is built, with the module's path, type and the reason.</summary>
public sealed class UnsupportedModuleTests
{
    [Fact]
    public void UnknownModuleTypeNamesPathTypeAndSupportedTypes()
    {
        var network = nn.Sequential(nn.Linear(6, 8), nn.Sequential(nn.ReLU(), nn.Conv1d(8, 4, 1)));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [6]));

        Assert.StartsWith("Cannot export module '1.1' of type Conv1d: supported types are Sequential, Linear, BatchNorm1d", error.Message);
        Assert.Contains("Dropout", error.Message);
    }

    [Fact]
    public void UnsupportedRootModuleIsCalledTheRootModule()
    {
        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(nn.LayerNorm(6), [6]));

        Assert.StartsWith("Cannot export the root module of type LayerNorm:", error.Message);
    }

    [Fact]
    public void SoftmaxOverTheBatchIsRefused()
    {
        var network = nn.Sequential(nn.Linear(6, 3), nn.Softmax(0));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [6]));

        Assert.StartsWith("Cannot export module '1' of type Softmax: dim 0 normalizes across the batch", error.Message);
    }

    [Fact]
    public void BatchNormWithoutRunningStatisticsIsRefused()
    {
        var network = nn.Sequential(nn.Linear(6, 3), nn.BatchNorm1d(3, track_running_stats: false));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [6]));

        Assert.StartsWith("Cannot export module '1' of type BatchNorm1d: track_running_stats is false", error.Message);
    }

    [Fact]
    public void LinearWithTheWrongInputWidthNamesBothWidths()
    {
        var network = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(9, 3));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [6]));

        Assert.Equal(
            "Cannot export module '2' of type Linear: it expects inputs whose last dimension is in_features = 9, but receives [N, 8].",
            error.Message);
    }

    [Fact]
    public void FlattenOfTheBatchDimensionIsRefused()
    {
        var network = nn.Sequential(nn.Flatten(0, -1));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [2, 3]));

        Assert.StartsWith("Cannot export module '0' of type Flatten: start_dim 0 merges the batch dimension", error.Message);
    }

    [Fact]
    public void CustomContainerIsReportedNotExpanded()
    {
        var network = nn.Sequential(("body", new ResidualLinear(6)), ("head", nn.Linear(6, 3)));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [6]));

        Assert.StartsWith("Cannot export module 'body' of type ResidualLinear:", error.Message);
    }

    [Theory]
    [InlineData(PaddingModes.Reflect)]
    [InlineData(PaddingModes.Replicate)]
    [InlineData(PaddingModes.Circular)]
    public void ConvWithAPaddingModeOtherThanZerosIsRefused(PaddingModes mode)
    {
        var network = nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1, padding_mode: mode));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [3, 8, 8]));

        Assert.Equal($"Cannot export module '0' of type Conv2d: padding_mode is {mode}; only PaddingModes.Zeros is exported.", error.Message);
    }

    [Fact]
    public void AdaptiveAveragePoolingToUnevenWindowsIsRefused()
    {
        // 8 rows into 3 windows: [0, 3), [2, 6), [5, 8), of sizes 3, 4, 3.
        var network = nn.Sequential(nn.Conv2d(3, 4, 1), nn.AdaptiveAvgPool2d(3));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [3, 8, 8]));

        Assert.StartsWith(
            "Cannot export module '1' of type AdaptiveAvgPool2d: its output size [3, 3] splits an axis of 8 cells into 3 windows of unequal size or spacing",
            error.Message);
    }

    [Fact]
    public void AveragePoolingWithADivisorOverrideIsRefused()
    {
        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(nn.AvgPool2d(2, divisor_override: 3), [3, 8, 8]));

        Assert.StartsWith("Cannot export the root module of type AvgPool2d: divisor_override (3) has no ONNX AveragePool equivalent", error.Message);
    }

    [Fact]
    public void ConvWithTheWrongChannelCountNamesBoth()
    {
        var network = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(5, 2, 1));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [3, 8, 8]));

        Assert.Equal("Cannot export module '1' of type Conv2d: it expects 5 input channels (in_channels), but receives [N, 4, 6, 6].", error.Message);
    }

    [Fact]
    public void ConvOnFlatFeaturesAsksForImages()
    {
        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(nn.Conv2d(1, 4, 3), [784]));

        Assert.Equal("Cannot export the root module of type Conv2d: it expects images shaped [N, C, H, W], but receives [N, 784].", error.Message);
    }

    [Fact]
    public void WindowLargerThanItsInputIsRefused()
    {
        var network = nn.Sequential(nn.MaxPool2d(2), nn.MaxPool2d(2), nn.Conv2d(3, 4, 3));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, [3, 9, 9]));

        Assert.StartsWith("Cannot export module '2' of type Conv2d: its window (kernel [3, 3], stride [1, 1], dilation [1, 1], padding [0, 0] before and [0, 0] after) does not fit its 2x2 input", error.Message);
    }

    [Fact]
    public void PoolingPaddingOverHalfTheKernelIsRefused()
    {
        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(nn.MaxPool2d(2, padding: 2), [3, 8, 8]));

        Assert.StartsWith("Cannot export the root module of type MaxPool2d: its padding [2, 2] exceeds half its kernel [2, 2]", error.Message);
    }

    [Fact]
    public void HardtanhIsRefusedWhileTorchSharpLeavesItsInputUnclamped()
    {
        // A canary: TorchSharp 0.107's Hardtanh module returns its input as is, which a Clip node would not reproduce. When
        // this first assertion fails, TorchSharp clamps, and Hardtanh can be registered as a ClipExporter like ReLU6.
        var unclamped = nn.Hardtanh().call(torch.tensor(new[] { -3f, 3f }));
        Assert.Equal([-3f, 3f], unclamped.data<float>().ToArray());

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(nn.Hardtanh(), [2]));

        Assert.StartsWith("Cannot export the root module of type Hardtanh: supported types are", error.Message);
    }

    /// <summary>A module with a child whose forward is not a chain of its children: only its forward knows what it computes.</summary>
    private sealed class ResidualLinear : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear _linear;

        public ResidualLinear(long features)
            : base(nameof(ResidualLinear))
        {
            _linear = nn.Linear(features, features);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input + _linear.forward(input);
    }
}
