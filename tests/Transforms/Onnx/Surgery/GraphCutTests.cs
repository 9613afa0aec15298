using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Onnx.Surgery;
using MLNetDeep.Transforms.Tests.Scoring;

namespace MLNetDeep.Transforms.Tests.Onnx.Surgery;

public sealed class GraphCutTests(ITestOutputHelper output)
{
    // The output of ResNet18's first residual block: [1, 64, 56, 56].
    private const string Intermediate = "ReLU269_Output_0";

    [Fact]
    public void Cut_at_a_named_tensor_gives_the_values_of_that_intermediate_tensor()
    {
        var image = PretrainedModels.PreprocessedFlowers(1);
        var cut = OnnxGraphCut.CutAt(PretrainedModels.ResNet18, Intermediate);
        OnnxModelValidator.Validate(cut, "cut ResNet18");
        Assert.Equal(Intermediate, Assert.Single(cut.Graph.Output).Name);
        Assert.True(cut.Graph.Node.Count < 15, $"{cut.Graph.Node.Count} nodes kept; only the stem and first block are needed");
        Assert.True(cut.Graph.Initializer.Count < 20);

        // Reference: the untouched graph with the intermediate tensor exposed as an extra output.
        var exposed = PretrainedModels.ResNet18.Clone();
        exposed.Graph.Output.Add(exposed.Graph.ValueInfo.Single(v => v.Name == Intermediate).Clone());
        var expected = OrtRunner.Run(exposed, image, [1, 3, 224, 224], Intermediate);
        var (actual, shape) = OrtRunner.RunWithShape(OrtRunner.Session(cut), image, [1, 3, 224, 224]);
        Assert.Equal([1L, 64, 56, 56], shape);
        Assert.Equal(expected, actual);

        // The importer can stop at the same tensor.
        using var module = OnnxImporter.Load(PretrainedModels.ResNet18, new OnnxImportOptions { OutputName = Intermediate });
        module.eval();
        using var input = TorchValues.FromArray(image, 1, 3, 224, 224);
        using var result = module.forward(input);
        var diff = OrtRunner.MaxAbsDiff(expected, TorchValues.ToArray(result));
        output.WriteLine($"cut graph == exposed intermediate exactly; importer stopped there: max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4f);
    }

    [Fact]
    public void Cut_at_an_unknown_tensor_names_it()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxGraphCut.CutAt(PretrainedModels.Preprocess, "no_such_tensor"));
        Assert.Contains("'no_such_tensor'", e.Message);
    }

    [Fact]
    public void Cut_without_value_info_takes_the_element_type_from_the_producer()
    {
        var model = new GraphBuilder()
            .Input("x", 1, 4)
            .Node("Relu", ["x"], ["r"])
            .Node("Sigmoid", ["r"], ["y"])
            .Output("y", 1, 4)
            .Build(opset: 13);
        var cut = OnnxGraphCut.CutAt(model, "r");
        Assert.Equal((int)TensorProto.Types.DataType.Float, cut.Graph.Output[0].Type.TensorType.ElemType);
        Assert.Single(cut.Graph.Node);
        Assert.Equal([0f, 2f, 0f, 3f], OrtRunner.Run(cut, [-1f, 2f, -3f, 3f], [1, 4]));
    }
}
