using Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Modules;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>
/// <see cref="ResidualBlock"/> computes main(x) + shortcut(x) then its activation, and exports as its two branches, an Add
/// node and the activation, alone or in a small ResNet, with parity to 1e-5.
/// </summary>
public sealed class ResidualBlockExportTests(ITestOutputHelper output)
{
    private static readonly long[] Image = [3, 17, 15];

    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 5)]
    [InlineData(false, 1)]
    [InlineData(false, 5)]
    public void SmallResNetMatchesTorchSharp(bool foldBatchNorm, int batchSize)
    {
        var network = TestNetworks.Build(TestNetworks.SmallResNet);

        var difference = ExportParity.MaxDifference(network, Image, batchSize, new OnnxExportOptions { FoldBatchNorm = foldBatchNorm });

        output.WriteLine($"resnet fold={foldBatchNorm} batch={batchSize}: max |torch - onnx| = {difference:E2}");
        Assert.InRange(difference, 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void SmallResNetFoldsEveryBatchNormAndAddsOncePerBlock()
    {
        var network = TestNetworks.Build(TestNetworks.SmallResNet);

        var graph = TorchSharpOnnxExporter.Export(network, Image).Graph;

        Assert.Equal(
            ["Conv", "Relu", "MaxPool", "Conv", "Relu", "Conv", "Add", "Relu", "Conv", "Relu", "Conv", "Conv", "Add", "Relu", "GlobalAveragePool", "Flatten", "Gemm"],
            graph.Node.Select(node => node.OpType));
        var projection = graph.Node.Single(node => node.Name == "block2.shortcut.0");
        Assert.Equal(["block1.activation.output", "block2.shortcut.0.weight", "block2.shortcut.0.bias"], projection.Input);
        var add = graph.Node.Single(node => node.Name == "block2");
        Assert.Equal(["block2.main.3.output", "block2.shortcut.0.output"], add.Input);
        Assert.Equal("block2.sum", add.Output.Single());
    }

    [Theory]
    [InlineData("none")]
    [InlineData("identity")]
    [InlineData("sequential-of-identity")]
    public void IdentityShortcutsAddTheBlockInputItself(string shortcut)
    {
        var network = TestNetworks.Build(() => nn.Sequential(
            ("stem", nn.Conv2d(3, 4, 3, padding: 1)),
            ("block", new ResidualBlock(
                nn.Sequential(nn.Conv2d(4, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3, padding: 1)),
                shortcut switch
                {
                    "none" => null,
                    "identity" => nn.Identity(),
                    _ => nn.Sequential(nn.Identity()),
                }))));

        var graph = TorchSharpOnnxExporter.Export(network, Image).Graph;

        var add = graph.Node.Single(node => node.OpType == "Add");
        Assert.Equal(["block.main.3.output", "stem.output"], add.Input);
        Assert.Equal("Output", add.Output.Single());
        Assert.InRange(ExportParity.MaxDifference(network, Image, 5), 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void BlockAsTheRootAndNestedInABranchMatchesTorchSharp()
    {
        var network = TestNetworks.Build(() => new ResidualBlock(
            nn.Sequential(
                nn.Conv2d(3, 3, 3, padding: 1),
                new ResidualBlock(nn.Sequential(nn.BatchNorm2d(3), nn.Tanh()), activation: nn.ReLU6())),
            shortcut: nn.Sequential(nn.AvgPool2d(3, stride: 1, padding: 1, count_include_pad: false)),
            activation: nn.Sequential(nn.SiLU(), nn.Dropout(0.5))));

        Assert.InRange(ExportParity.MaxDifference(network, Image, 1), 0f, ExportParity.Tolerance);
        Assert.InRange(ExportParity.MaxDifference(network, Image, 5), 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void BatchNormAfterABlockIsNotFoldedIntoItsBranch()
    {
        // The norm scales main(x) + shortcut(x); folding it into the main branch's last conv would leave the shortcut unscaled.
        var network = TestNetworks.Build(() => nn.Sequential(
            new ResidualBlock(nn.Sequential(nn.Conv2d(3, 3, 3, padding: 1))), nn.BatchNorm2d(3)));

        var graph = TorchSharpOnnxExporter.Export(network, Image).Graph;

        Assert.Equal(["Conv", "Add", "BatchNormalization"], graph.Node.Select(node => node.OpType));
        Assert.InRange(ExportParity.MaxDifference(network, Image, 5), 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void BranchesOfDifferentShapesAreRefusedWithBothShapes()
    {
        var network = nn.Sequential(("block", new ResidualBlock(nn.Sequential(nn.Conv2d(3, 8, 3, stride: 2, padding: 1)))));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, Image));

        Assert.StartsWith(
            "Cannot export module 'block' of type ResidualBlock: its main branch produces [N, 8, 9, 8] but its shortcut [N, 3, 17, 15]",
            error.Message);
    }

    [Fact]
    public void UnsupportedModuleInABranchIsNamedByItsFullPath()
    {
        var network = nn.Sequential(("block", new ResidualBlock(nn.Sequential(nn.Conv2d(3, 3, 1)), nn.Sequential(nn.LayerNorm(15)))));

        var error = Assert.Throws<NotSupportedException>(() => TorchSharpOnnxExporter.Export(network, Image));

        Assert.StartsWith("Cannot export module 'block.shortcut.0' of type LayerNorm:", error.Message);
    }

    [Fact]
    public void ModuleSumsItsBranchesRegistersThemByNameAndFollowsTrainingMode()
    {
        torch.manual_seed(3);
        var main = nn.Sequential(nn.Conv2d(3, 3, 3, padding: 1), nn.BatchNorm2d(3));
        var shortcut = nn.Conv2d(3, 3, 1);
        var block = new ResidualBlock(main, shortcut, nn.ReLU());
        using var input = torch.randn(2, 3, 5, 4);

        block.eval();
        using var expected = nn.functional.relu(main.call(input) + shortcut.call(input));
        using var actual = block.call(input);

        Assert.True(actual.allclose(expected));
        Assert.False(main.training);
        Assert.Equal(["main.0.weight", "main.0.bias", "main.1.weight", "main.1.bias", "shortcut.weight", "shortcut.bias"],
            block.named_parameters().Select(parameter => parameter.name));
        block.train();
        Assert.True(main.training && shortcut.training);
    }
}
