using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>The model's declared interface, names and metadata, and the options that shape them.</summary>
public sealed class ExportedModelTests
{
    [Fact]
    public void InputAndOutputAreFloatWithSymbolicBatchAndRealFeatureDims()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10), nn.Softmax(1)));

        var graph = TorchSharpOnnxExporter.Export(network, [784]).Graph;

        AssertBatchedFloat(graph.Input.Single(), "Features", 784);
        AssertBatchedFloat(graph.Output.Single(), "Output", 10);
        Assert.Equal("Output", graph.Node[^1].Output.Single());
    }

    [Fact]
    public void OutputShapeFollowsFlattenAndLinearOnThreeDimensionalInput()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Flatten(2, 3), nn.Linear(12, 4)));

        var output = TorchSharpOnnxExporter.Export(network, [2, 3, 4]).Graph.Output.Single();

        AssertBatchedFloat(output, "Output", 2, 4);
    }

    [Fact]
    public void NamesComeFromModulePaths()
    {
        var network = TestNetworks.Build(() => nn.Sequential(
            nn.Sequential(nn.Linear(6, 8), nn.ReLU()),
            nn.Sequential(("head", nn.Linear(8, 3)))));

        var graph = TorchSharpOnnxExporter.Export(network, [6]).Graph;

        Assert.Equal(["0.0.weight", "0.0.bias", "1.head.weight", "1.head.bias"], graph.Initializer.Select(tensor => tensor.Name));
        Assert.Equal(["0.0", "0.1", "1.head"], graph.Node.Select(node => node.Name));
        Assert.Equal([8L, 6L], graph.Initializer[0].Dims);
    }

    [Fact]
    public void OptionsSetNamesOpsetAndProducer()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 3), nn.GELU()));
        var options = new OnnxExportOptions { InputName = "x", OutputName = "y", Opset = 20, ProducerName = "tests" };

        var model = TorchSharpOnnxExporter.Export(network, [6], options);

        Assert.Equal("x", model.Graph.Input.Single().Name);
        Assert.Equal("y", model.Graph.Output.Single().Name);
        Assert.Equal(20, model.OpsetImport.Single().Version);
        Assert.Equal("tests", model.ProducerName);
        Assert.Equal(["Gemm", "Gelu"], model.Graph.Node.Select(node => node.OpType));
        Assert.InRange(ExportParity.MaxDifference(network, [6], 3, options), 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void DefaultsAreOpset17WithIrVersion8()
    {
        var model = TorchSharpOnnxExporter.Export(TestNetworks.Build(() => nn.Linear(6, 3)), [6]);

        Assert.Equal(17, model.OpsetImport.Single().Version);
        Assert.Equal(8, model.IrVersion);
        Assert.Equal("MLNetDeep", model.ProducerName);
    }

    [Fact]
    public void GeluBeforeOpset20IsSpelledOutWithErf()
    {
        var model = TorchSharpOnnxExporter.Export(TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 3), nn.GELU())), [6]);

        Assert.DoesNotContain(model.Graph.Node, node => node.OpType == "Gelu");
        Assert.Contains(model.Graph.Node, node => node.OpType == "Erf");
    }

    [Fact]
    public void StreamOverloadWritesTheSerializedModel()
    {
        var network = TestNetworks.Build(() => nn.Sequential(nn.Linear(6, 3), nn.Tanh()));
        using var stream = new MemoryStream();

        TorchSharpOnnxExporter.Export(network, [6], stream);

        Assert.Equal(TorchSharpOnnxExporter.Export(network, [6]).ToByteArray(), stream.ToArray());
    }

    [Theory]
    [InlineData("", "Output", 17, "InputName")]
    [InlineData("Features", " ", 17, "OutputName")]
    [InlineData("Same", "Same", 17, "must differ")]
    [InlineData("Features", "Output", 12, "supported opsets are 13 to 21")]
    [InlineData("Features", "Output", 22, "supported opsets are 13 to 21")]
    public void InvalidOptionsAreRejectedByName(string inputName, string outputName, int opset, string expected)
    {
        var options = new OnnxExportOptions { InputName = inputName, OutputName = outputName, Opset = opset };

        var error = Assert.Throws<ArgumentException>(() => TorchSharpOnnxExporter.Export(nn.Linear(6, 3), [6], options));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData(new long[0])]
    [InlineData(new long[] { 6, 0 })]
    public void InvalidInputShapeIsRejected(long[] inputShape)
    {
        var error = Assert.Throws<ArgumentException>(() => TorchSharpOnnxExporter.Export(nn.Linear(6, 3), inputShape));

        Assert.Contains("excludes the batch dimension", error.Message);
    }

    private static void AssertBatchedFloat(ValueInfoProto value, string name, params long[] sampleShape)
    {
        Assert.Equal(name, value.Name);
        var tensor = value.Type.TensorType;
        Assert.Equal((int)TensorProto.Types.DataType.Float, tensor.ElemType);
        Assert.Equal("N", tensor.Shape.Dim[0].DimParam);
        Assert.Equal(sampleShape, tensor.Shape.Dim.Skip(1).Select(dim => dim.DimValue));
    }
}
