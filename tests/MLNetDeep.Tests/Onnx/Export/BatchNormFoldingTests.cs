using MLNetDeep.Transforms.Onnx;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Tests.Onnx.Export;

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

    private static string[] OperatorsOf(ModelProto model) => model.Graph.Node.Select(node => node.OpType).ToArray();
}
