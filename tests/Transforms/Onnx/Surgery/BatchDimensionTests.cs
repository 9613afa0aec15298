using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Onnx.Surgery;
using MLNetDeep.Transforms.Tests.Scoring;

namespace MLNetDeep.Transforms.Tests.Onnx.Surgery;

public sealed class BatchDimensionTests(ITestOutputHelper output)
{
    private const int ImageSize = 3 * 224 * 224;

    [Fact]
    public void Batch_dynamic_ResNet18_runs_a_batch_of_4_that_matches_4_single_image_runs()
    {
        var images = PretrainedModels.PreprocessedFlowers(4);
        var fixedSession = PretrainedModels.ResNet18Session;
        Assert.Throws<OnnxRuntimeException>(() => OrtRunner.Run(fixedSession, images, [4, 3, 224, 224]));

        var dynamic = OnnxBatchDimension.MakeDynamic(PretrainedModels.ResNet18);
        Assert.Equal("N", dynamic.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal("N", dynamic.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.All(dynamic.Graph.ValueInfo, v => Assert.Equal("N", v.Type.TensorType.Shape.Dim[0].DimParam));
        // The original is left alone.
        Assert.Equal(1, PretrainedModels.ResNet18.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue);

        using var dynamicSession = OrtRunner.Session(dynamic);
        var (batched, shape) = OrtRunner.RunWithShape(dynamicSession, images, [4, 3, 224, 224]);
        Assert.Equal([4L, 512, 1, 1], shape);
        var worst = 0f;
        for (var i = 0; i < 4; i++)
        {
            var single = OrtRunner.Run(fixedSession, images.AsSpan(i * ImageSize, ImageSize).ToArray(), [1, 3, 224, 224]);
            worst = Math.Max(worst, OrtRunner.MaxAbsDiff(single, batched.AsSpan(i * 512, 512)));
        }
        output.WriteLine($"batch-4 vs single runs, max abs diff: {worst:E2}");
        Assert.True(worst <= 1e-5f);
    }

    [Fact]
    public void Reshape_constants_that_bake_in_the_batch_are_rewritten()
    {
        var model = new GraphBuilder()
            .Input("x", 1, 2, 3)
            .Initializer("shape", [1L, 6])
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y", 1, 6)
            .Build(opset: 13);
        var dynamic = OnnxBatchDimension.MakeDynamic(model);
        OnnxModelValidator.Validate(dynamic);
        var input = Enumerable.Range(0, 18).Select(i => (float)i).ToArray();
        var (values, shape) = OrtRunner.RunWithShape(OrtRunner.Session(dynamic), input, [3, 2, 3]);
        Assert.Equal([3L, 6], shape);
        Assert.Equal(input, values);
    }
}
