using MLNetDeep.Transforms.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Tests.Onnx.Export;

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
