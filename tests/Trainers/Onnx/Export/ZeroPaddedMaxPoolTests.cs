using Google.Protobuf;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Onnx.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>
/// ZeroPad2d then MaxPool2d, as in Keras' ResNet stems: padded zeros must win the max against negative values in ONNX
/// Runtime too, although its optimizer fuses the Pad into the MaxPool (whose pads are ignored cells, not zeros).
/// </summary>
public sealed class ZeroPaddedMaxPoolTests
{
    public static TheoryData<string> Cases => ["stem", "asymmetric", "own-padding", "ceil-mode", "dilated", "strided-1x1"];

    private static nn.Module<Tensor, Tensor> Build(string name) => name switch
    {
        "stem" => nn.Sequential(nn.ZeroPad2d(1), nn.MaxPool2d(3, stride: 2)),
        "asymmetric" => nn.Sequential(nn.ZeroPad2d((0, 2, 1, 0)), nn.MaxPool2d(3, stride: 2)),
        "own-padding" => nn.Sequential(nn.ZeroPad2d(1), nn.MaxPool2d(3, stride: 2, padding: 1)),
        "ceil-mode" => nn.Sequential(nn.ZeroPad2d(1), nn.MaxPool2d(3, stride: 2, ceil_mode: true)),
        "dilated" => nn.Sequential(nn.ZeroPad2d(2), nn.MaxPool2d(3, stride: 1, dilation: 2)),
        "strided-1x1" => nn.Sequential(nn.ZeroPad2d((1, 0, 1, 0)), nn.MaxPool2d(1, stride: 2)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Negative_inputs_pool_the_padded_zeros_in_ONNX_Runtime(string name)
    {
        var network = Build(name);
        long[] shape = [2, 3, 11, 10];
        // Every value negative: a window touching the zero padding must return exactly 0.
        torch.manual_seed(3);
        using var input = -torch.rand(shape) - 0.5;
        var rows = input.data<float>().ToArray();

        var (expected, expectedShape) = ExportParity.RunTorch(network, rows, shape);
        var model = TorchSharpOnnxExporter.Export(network, shape[1..]);
        var (actual, actualShape) = OrtRunner.RunWithShape(OrtRunner.Session(model), rows, shape);

        Assert.Equal(expectedShape, actualShape);
        Assert.Contains(0f, expected);
        Assert.Equal(0f, ExportParity.MaxAbsoluteDifference(expected, actual));
    }

    [Theory]
    // ONNX Runtime 1.31 lost the zeros with neither measure; 1.32.0 (the version this repo runs) on CPU keeps them.
    [InlineData(false, false, true)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    public void Either_measure_alone_keeps_ONNX_Runtime_exact(bool negativeZeroPad, bool mask, bool exact)
    {
        // Each part keeps the result exact on its own, so a runtime that undoes one (fusing a -0.0 Pad, or dropping
        // the Max) still gets it right.
        var network = Build("stem");
        long[] shape = [1, 2, 9, 9];
        using var input = torch.full(shape, -1f);
        var rows = input.data<float>().ToArray();
        var model = TorchSharpOnnxExporter.Export(network, shape[1..]);
        var pad = model.Graph.Node.Single(n => n.OpType == "Pad");
        Assert.Equal(3, pad.Input.Count);
        var max = model.Graph.Node.Single(n => n.OpType == "Max");
        Assert.Equal("1.ZeroPadding", max.Name);
        Assert.Equal([1L, 1, 5, 5], model.Graph.Initializer.Single(i => i.Name == max.Input[1]).Dims);

        if (!negativeZeroPad)
            pad.Input.RemoveAt(2);
        if (!mask)
        {
            max.OpType = "Identity";
            max.Input.RemoveAt(1);
        }

        var output = OrtRunner.Run(model, rows, shape);
        var (expected, _) = ExportParity.RunTorch(network, rows, shape);
        Assert.Equal(exact, ExportParity.MaxAbsoluteDifference(expected, output) == 0f);
    }

    [Fact]
    public void Cropping_pads_and_other_layers_get_no_mask()
    {
        var cropped = TorchSharpOnnxExporter.Export(nn.Sequential(nn.ZeroPad2d((-1, 0, 0, 0)), nn.MaxPool2d(2)), [1, 6, 6]);
        Assert.DoesNotContain(cropped.Graph.Node, n => n.OpType == "Max");
        var plain = TorchSharpOnnxExporter.Export(nn.Sequential(nn.ZeroPad2d(1), nn.Conv2d(1, 1, 3)), [1, 6, 6]);
        Assert.DoesNotContain(plain.Graph.Node, n => n.OpType == "Max");
    }
}
