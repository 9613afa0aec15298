using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>The nodes, attributes and declared shapes CNN layers export as: explicit pads, ceil mode as end padding, pooling forms.</summary>
public sealed class CnnGraphTests
{
    [Fact]
    public void ConvWritesItsWindowGroupsAndTorchsSamePaddingExplicitly()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Conv2d(4, 6, 4, Padding.Same, dilation: 1, groups: 2, bias: false)));

        var graph = TorchSharpOnnxExporter.Export(network, [4, 13, 11]).Graph;

        var conv = graph.Node.Single();
        Assert.Equal(["Features", "0.weight"], conv.Input);
        Assert.Equal([6L, 2L, 4L, 4L], graph.Initializer.Single().Dims);
        Assert.Equal([4L, 4L], Ints(conv, "kernel_shape"));
        Assert.Equal([1L, 1L], Ints(conv, "strides"));
        // "same" with an even kernel pads 3 in all: 1 before, 2 after, as torch does.
        Assert.Equal([1L, 1L, 2L, 2L], Ints(conv, "pads"));
        Assert.Equal(2L, conv.Attribute.Single(attribute => attribute.Name == "group").I);
        Assert.DoesNotContain(conv.Attribute, attribute => attribute.Name == "dilations");
        AssertDeclaredShape(graph.Output.Single(), 6, 13, 11);
    }

    [Fact]
    public void CeilModeBecomesEndPaddingAndAWindowStartingInThePaddingIsDropped()
    {
        // Kernel 3, stride 3, padding 1. Height 5: rounding up would give 3 rows, but the third would start in the end
        // padding, so torch keeps 2, as floor does. Width 6: 3 columns where floor gives 2, the last reaching 1 past the padding.
        var graph = TorchSharpOnnxExporter.Export(nn.MaxPool2d(3, stride: 3, padding: 1, ceil_mode: true), [2, 5, 6]).Graph;

        var pool = graph.Node.Single();
        Assert.Equal([1L, 1L, 1L, 2L], Ints(pool, "pads"));
        Assert.DoesNotContain(pool.Attribute, attribute => attribute.Name == "ceil_mode");
        AssertDeclaredShape(graph.Output.Single(), 2, 2, 3);
    }

    [Fact]
    public void AveragePoolingCountingPaddingWithAnOverflowingCeilWindowPadsWithRealZerosFirst()
    {
        var graph = TorchSharpOnnxExporter.Export(nn.AvgPool2d(3, stride: 2, padding: 1, ceil_mode: true), [3, 12, 11]).Graph;

        Assert.Equal(["Pad", "AveragePool"], graph.Node.Select(node => node.OpType));
        Assert.Equal([0L, 0L, 1L, 1L, 0L, 0L, 1L, 1L], Int64s(graph, graph.Node[0].Input[1]));
        var pool = graph.Node[1];
        Assert.Equal([0L, 0L, 1L, 0L], Ints(pool, "pads"));
        Assert.Equal(0L, pool.Attribute.Single(attribute => attribute.Name == "count_include_pad").I);
        AssertDeclaredShape(graph.Output.Single(), 3, 7, 6);
    }

    [Theory]
    [InlineData(true, 1L)]
    [InlineData(false, 0L)]
    public void AveragePoolingWithoutCeilOverflowIsOneNodeWithTorchsCountIncludePad(bool countIncludePad, long expected)
    {
        var graph = TorchSharpOnnxExporter.Export(nn.AvgPool2d(3, stride: 2, padding: 1, count_include_pad: countIncludePad), [3, 13, 11]).Graph;

        var pool = graph.Node.Single();
        Assert.Equal([1L, 1L, 1L, 1L], Ints(pool, "pads"));
        Assert.Equal(expected, pool.Attribute.Single(attribute => attribute.Name == "count_include_pad").I);
    }

    [Fact]
    public void AdaptiveAveragePoolingBecomesGlobalOrFixedWindowPooling()
    {
        var global = TorchSharpOnnxExporter.Export(nn.AdaptiveAvgPool2d(1), [3, 13, 11]).Graph;
        var windows = TorchSharpOnnxExporter.Export(nn.AdaptiveAvgPool2d((4, 3)), [3, 12, 9]).Graph;

        Assert.Equal("GlobalAveragePool", global.Node.Single().OpType);
        AssertDeclaredShape(global.Output.Single(), 3, 1, 1);
        var pool = windows.Node.Single();
        Assert.Equal("AveragePool", pool.OpType);
        Assert.Equal([3L, 3L], Ints(pool, "kernel_shape"));
        Assert.Equal([3L, 3L], Ints(pool, "strides"));
    }

    [Fact]
    public void ZeroPaddingIsAPadNodeWithThePadsAsAnInput()
    {
        var graph = TorchSharpOnnxExporter.Export(nn.ZeroPad2d((1, 2, 0, 3)), [3, 13, 11]).Graph;

        var pad = graph.Node.Single();
        Assert.Equal("Pad", pad.OpType);
        Assert.Equal(["Features", "pads"], pad.Input);
        // torch's (left, right, top, bottom) as ONNX's [N, C, H, W] starts, then ends.
        Assert.Equal([0L, 0L, 0L, 1L, 0L, 0L, 3L, 2L], Int64s(graph, "pads"));
        AssertDeclaredShape(graph.Output.Single(), 3, 16, 14);
    }

    [Fact]
    public void Relu6IsAClipBetweenSharedScalarConstants()
    {
        var graph = TorchSharpOnnxExporter.Export(nn.Sequential(nn.ReLU6(), nn.ReLU6()), [3, 5, 5]).Graph;

        Assert.All(graph.Node, node => Assert.Equal(["Clip", "constant.0", "constant.6"], [node.OpType, .. node.Input.Skip(1)]));
        Assert.Equal(2, graph.Initializer.Count);
    }

    private static long[] Ints(NodeProto node, string name) => node.Attribute.Single(attribute => attribute.Name == name).Ints.ToArray();

    private static long[] Int64s(GraphProto graph, string initializer)
    {
        var bytes = graph.Initializer.Single(tensor => tensor.Name == initializer).RawData.ToByteArray();
        return Enumerable.Range(0, bytes.Length / sizeof(long)).Select(i => BitConverter.ToInt64(bytes, i * sizeof(long))).ToArray();
    }

    private static void AssertDeclaredShape(ValueInfoProto value, params long[] sampleShape)
    {
        var dims = value.Type.TensorType.Shape.Dim;
        Assert.Equal("N", dims[0].DimParam);
        Assert.Equal(sampleShape, dims.Skip(1).Select(dim => dim.DimValue));
    }
}
