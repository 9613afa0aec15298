using Onnx;
using static MLNetDeep.Tests.Support.GraphBuilder;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.Tests.Onnx.Import;

/// <summary>Unsupported content and broken files give exceptions that say what and where, never a crash.</summary>
public sealed class ImportErrorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetdeep-onnx-errors-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Unsupported_operator_names_the_op_and_the_node()
    {
        var model = new GraphBuilder().Input("x", 1, 4).Node("Relu", ["x"], ["r"]).Node("Erf", ["r"], ["y"]).Output("y", 1, 4).Build(13);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(model));
        Assert.Equal("Erf", e.OpType);
        Assert.Equal("Erf_1", e.NodeName);
        Assert.Contains("Erf node 'Erf_1'", e.Message);
        Assert.Contains("not supported", e.Message);
    }

    [Fact]
    public void Operator_from_another_domain_is_unsupported()
    {
        var model = new GraphBuilder().Input("x", 1, 4).Node("Relu", ["x"], ["y"]).Output("y", 1, 4).Build(13);
        model.Graph.Node[0].Domain = "com.microsoft";
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(model));
        Assert.Contains("domain 'com.microsoft'", e.Message);
    }

    [Fact]
    public void Unknown_attribute_names_the_op_the_node_and_the_attribute()
    {
        var model = new GraphBuilder().Input("x", 1, 4).Node("Relu", ["x"], ["y"], Int("inplace", 1)).Output("y", 1, 4).Build(13);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(model));
        Assert.Equal("Relu", e.OpType);
        Assert.Equal("Relu_0", e.NodeName);
        Assert.Equal("inplace", e.AttributeName);
        Assert.Contains("Relu node 'Relu_0', attribute 'inplace'", e.Message);
    }

    [Fact]
    public void Unsupported_attribute_value_says_what_was_expected()
    {
        var model = new GraphBuilder().Input("x", 1, 1, 4, 4).Node("Pad", ["x"], ["y"], Ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), String("mode", "mirror")).Output("y").Build(8);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(model));
        Assert.Equal("mode", e.AttributeName);
        Assert.Contains("'mirror' is not supported (expected constant, reflect, edge or wrap)", e.Message);
    }

    [Fact]
    public void Attribute_of_the_wrong_type_is_reported()
    {
        var model = new GraphBuilder().Input("x", 1, 4).Node("LeakyRelu", ["x"], ["y"], Int("alpha", 1)).Output("y", 1, 4).Build(13);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(model));
        Assert.Equal("alpha", e.AttributeName);
        Assert.Contains("expected an attribute of type Float but found Int", e.Message);
    }

    [Fact]
    public void Truncated_model_file_names_the_file()
    {
        var path = Path.Combine(_folder, "truncated.onnx");
        using (var source = File.OpenRead(PretrainedModels.ResNet18Path))
        using (var target = File.Create(path))
        {
            var half = new byte[source.Length / 2];
            source.ReadExactly(half);
            target.Write(half);
        }
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(path));
        Assert.Equal(path, e.ModelSource);
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt or truncated", e.Message);
    }

    [Theory]
    [InlineData("text.onnx", "this is not a model at all\n")]
    [InlineData("empty.onnx", "")]
    [InlineData("json.onnx", "{\"irVersion\": 7, \"graph\": {}}")]
    public void Non_ONNX_file_names_the_file(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.ModelSource);
    }

    [Fact]
    public void Random_bytes_give_a_clear_error()
    {
        var bytes = new byte[4096];
        new Random(11).NextBytes(bytes);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(new MemoryStream(bytes)));
        Assert.Contains("'stream'", e.Message);
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        var path = Path.Combine(_folder, "absent.onnx");
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Input_produced_by_nothing_names_the_node_and_the_tensor()
    {
        var model = new GraphBuilder().Input("x", 1, 4).Node("Add", ["x", "ghost"], ["y"]).Output("y", 1, 4).Build(13);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(model));
        Assert.Equal("ghost", e.AttributeName);
        Assert.Contains("Add node 'Add_0': input 'ghost' is produced by no node", e.Message);
    }

    [Fact]
    public void Several_outputs_ask_for_a_choice()
    {
        var model = new GraphBuilder().Input("x", 1, 4).Node("Relu", ["x"], ["a"]).Node("Sigmoid", ["x"], ["b"]).Output("a", 1, 4).Output("b", 1, 4).Build(13);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(model));
        Assert.Contains("OutputName", e.Message);
        using var module = OnnxImporter.Load(model, new OnnxImportOptions { OutputName = "b" });
        Assert.Equal("b", module.OutputName);
    }

    [Fact]
    public void Wrong_input_shape_at_run_time_names_the_node()
    {
        var model = new GraphBuilder().Input("x", 1, 3, 8, 8).RandomInitializer("w", new Random(1), 2, 3, 3, 3)
            .Node("Conv", ["x", "w"], ["y"], Ints("kernel_shape", 3, 3)).Output("y").Build(13);
        using var module = OnnxImporter.Load(model);
        using var wrong = TorchSharp.torch.zeros(1, 5, 8, 8);
        var e = Assert.Throws<InvalidOperationException>(() => module.forward(wrong));
        Assert.Contains("Conv node 'Conv_0'", e.Message);
        Assert.Contains("[1,5,8,8]", e.Message);
    }
}
