using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>Which batch norms disappear into a Linear, which stay nodes, and that the network itself is left untouched.</summary>
public sealed class BatchNormFoldingTests
{
    [Fact]
    public void BatchNormAfterLinearIsFoldedAway()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)));

        var model = TorchSharpOnnxExporter.Export(network, [6]);

        Assert.Equal(["Gemm", "Relu", "Gemm"], OperatorsOf(model));
        Assert.DoesNotContain(model.Graph.Initializer, initializer => initializer.Name.StartsWith("1.", StringComparison.Ordinal));
    }

    [Fact]
    public void FoldingOffKeepsEveryBatchNormAsANode()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)));

        var model = TorchSharpOnnxExporter.Export(network, [6], new OnnxExportOptions { FoldBatchNorm = false });

        Assert.Equal(["Gemm", "BatchNormalization", "Relu", "Gemm"], OperatorsOf(model));
        var batchNorm = model.Graph.Node.Single(node => node.OpType == "BatchNormalization");
        Assert.Equal(["1.output", "1.weight", "1.bias", "1.running_mean", "1.running_var"], [batchNorm.Output[0], .. batchNorm.Input.Skip(1)]);
    }

    [Fact]
    public void BatchNormAfterActivationFoldsIntoTheNextLinearThroughDropout()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 3)));

        Assert.Equal(["Gemm", "Relu", "Gemm"], OperatorsOf(TorchSharpOnnxExporter.Export(network, [6])));
    }

    [Fact]
    public void InputBatchNormFoldsIntoTheFirstLinear()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.BatchNorm1d(6), nn.AlphaDropout(0.1), nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)));

        Assert.Equal(["Gemm", "Relu", "Gemm"], OperatorsOf(TorchSharpOnnxExporter.Export(network, [6])));
    }

    [Fact]
    public void FoldingCrossesNestedSequentialBoundaries()
    {
        var network = TestNetworks.Build(() => nn.Sequential(
            nn.Sequential(nn.Linear(6, 8)), nn.Sequential(nn.Sequential(nn.Identity(), nn.BatchNorm1d(8)), nn.ReLU())));

        Assert.Equal(["Gemm", "Relu"], OperatorsOf(TorchSharpOnnxExporter.Export(network, [6])));
        Assert.InRange(ExportParity.MaxDifference(network, [6], 7), 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void BatchNormBetweenActivationsStaysANode()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)));

        Assert.Equal(["Gemm", "Tanh", "BatchNormalization", "Relu", "Gemm"], OperatorsOf(TorchSharpOnnxExporter.Export(network, [6])));
    }

    [Fact]
    public void BatchNormOverChannelsOfThreeDimensionalInputStaysANode()
    {
        // On [N, C, L] the norm scales axis 1 while Linear mixes axis 2, so no fold is valid.
        var network = TestNetworks.Build(() => nn.Sequential(nn.BatchNorm1d(4), nn.Linear(5, 3)));

        Assert.Equal(["BatchNormalization", "MatMul", "Add"], OperatorsOf(TorchSharpOnnxExporter.Export(network, [4, 5])));
    }

    [Fact]
    public void FoldingIntoALinearWithoutBiasGivesItABias()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 8, hasBias: false), nn.BatchNorm1d(8), nn.ReLU()));

        var model = TorchSharpOnnxExporter.Export(network, [6]);

        var gemm = model.Graph.Node.Single(node => node.OpType == "Gemm");
        Assert.Equal(["Features", "0.weight", "0.bias"], gemm.Input);
    }

    [Fact]
    public void ExportLeavesTheNetworkUnchanged()
    {
        var network = TestNetworks.Build(() => nn.Sequential(
            nn.BatchNorm1d(6), nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3, hasBias: false), nn.BatchNorm1d(3)));
        network.train();
        var before = TestNetworks.Snapshot(network);

        TorchSharpOnnxExporter.Export(network, [6]);
        TorchSharpOnnxExporter.Export(network, [6], new OnnxExportOptions { FoldBatchNorm = false });

        var after = TestNetworks.Snapshot(network);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, values) in before)
            Assert.Equal(values, after[name]);
        Assert.True(network.training);
        Assert.Null(((TorchSharp.Modules.Linear)network.named_modules().Single(entry => entry.name == "4").module).bias);
    }

    [Fact]
    public void BatchNorm2dAfterConvIsFoldedAwayAndTheNetworkIsUnchanged()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU()));
        network.train();
        var before = TestNetworks.Snapshot(network);

        var model = TorchSharpOnnxExporter.Export(network, [3, 9, 7]);

        Assert.Equal(["Conv", "Relu"], OperatorsOf(model));
        Assert.DoesNotContain(model.Graph.Initializer, initializer => initializer.Name.StartsWith("1.", StringComparison.Ordinal));
        var after = TestNetworks.Snapshot(network);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, values) in before)
            Assert.Equal(values, after[name]);
        Assert.True(network.training);
        Assert.InRange(ExportParity.MaxDifference(network, [3, 9, 7], 5), 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void FoldingIntoAConvWithoutBiasGivesItABias()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Conv2d(3, 4, 3, bias: false), nn.Dropout2d(0.2), nn.BatchNorm2d(4)));

        var model = TorchSharpOnnxExporter.Export(network, [3, 9, 7]);

        var conv = model.Graph.Node.Single();
        Assert.Equal("Conv", conv.OpType);
        Assert.Equal(["Features", "0.weight", "0.bias"], conv.Input);
    }

    [Theory]
    [InlineData("input")]
    [InlineData("after-activation")]
    [InlineData("after-pooling")]
    public void BatchNorm2dWithoutAConvDirectlyBeforeStaysANode(string placement)
    {
        var network = TestNetworks.Build(() => placement switch
        {
            // A fold into the following Conv would be wrong at the borders, where the conv pads the normalized values with zeros.
            "input" => nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 4, 3, padding: 1)),
            "after-activation" => nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.BatchNorm2d(4)),
            _ => nn.Sequential(nn.Conv2d(3, 4, 3), nn.MaxPool2d(2), nn.BatchNorm2d(4)),
        });

        var model = TorchSharpOnnxExporter.Export(network, [3, 9, 7]);

        Assert.Single(model.Graph.Node, node => node.OpType == "BatchNormalization");
        Assert.InRange(ExportParity.MaxDifference(network, [3, 9, 7], 5), 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void FoldingOffKeepsBatchNorm2dAsANode()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU()));

        var model = TorchSharpOnnxExporter.Export(network, [3, 9, 7], new OnnxExportOptions { FoldBatchNorm = false });

        Assert.Equal(["Conv", "BatchNormalization", "Relu"], OperatorsOf(model));
    }

    private static string[] OperatorsOf(ModelProto model) => model.Graph.Node.Select(node => node.OpType).ToArray();
}
