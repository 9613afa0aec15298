using Onnx;
using Xunit.Abstractions;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Onnx.Surgery;
using MLNetDeep.Transforms.Tests.Scoring;

namespace MLNetDeep.Transforms.Tests.Onnx.Surgery;

public sealed class GraphSpliceTests(ITestOutputHelper output)
{
    /// <summary>A 5-class head on ResNet18's pooled features: Flatten, Gemm, Softmax, written with the backbone's opset 8.</summary>
    private static ModelProto Head(long opset = 8)
    {
        var random = new Random(7);
        return new GraphBuilder()
            .Input("features", 1, 512, 1, 1)
            // Deliberately the name of a ResNet18 initializer, and of a ResNet18 tensor, to force renaming.
            .RandomInitializer("Parameter91", random, 5, 512)
            .RandomInitializer("bias", random, 5)
            .Node("Flatten", ["features"], ["ReLU253_Output_0"], GraphBuilder.Int("axis", 1))
            .Node("Gemm", ["ReLU253_Output_0", "Parameter91", "bias"], ["logits"], GraphBuilder.Int("transB", 1))
            .Node("Softmax", ["logits"], ["probabilities"], GraphBuilder.Int("axis", 1))
            .Output("probabilities", 1, 5)
            .Build(opset, irVersion: 3);
    }

    [Fact]
    public void Backbone_plus_head_as_one_graph_matches_running_them_one_after_the_other()
    {
        var image = PretrainedModels.PreprocessedFlowers(1);
        var head = Head();
        var spliced = OnnxGraphSplice.Splice(PretrainedModels.ResNet18, head);
        OnnxModelValidator.Validate(spliced, "ResNet18 + head");

        Assert.Equal("probabilities", Assert.Single(spliced.Graph.Output).Name);
        Assert.Equal(PretrainedModels.ResNet18Input, Assert.Single(spliced.Graph.Input).Name);
        Assert.Contains(spliced.Graph.Initializer, i => i.Name == "head_Parameter91");
        Assert.Contains(spliced.Graph.Node, n => n.Output.Contains("head_ReLU253_Output_0"));
        Assert.Equal(PretrainedModels.ResNet18.Graph.Node.Count + 3, spliced.Graph.Node.Count);

        var features = OrtRunner.Run(PretrainedModels.ResNet18Session, image, [1, 3, 224, 224]);
        var separately = OrtRunner.Run(head, features, [1, 512, 1, 1]);
        var together = OrtRunner.Run(spliced, image, [1, 3, 224, 224]);
        var diff = OrtRunner.MaxAbsDiff(separately, together);
        output.WriteLine($"spliced vs separate, max abs diff: {diff:E2}; probabilities {string.Join(", ", together.Select(p => p.ToString("F4")))}");
        Assert.True(diff <= 1e-6f);
        Assert.Equal(1f, together.Sum(), 4);
    }

    [Fact]
    public void Preprocessing_backbone_and_head_chain_into_one_batch_dynamic_model()
    {
        var raw = MLNetDeep.Pretrained.Imaging.ImageTensorLoader.LoadChw(PretrainedModels.FlowerImages(1)[0]);
        var featurizer = OnnxGraphSplice.Splice(PretrainedModels.Preprocess, PretrainedModels.ResNet18);
        var classifier = OnnxGraphSplice.Splice(featurizer, Head());
        OnnxModelValidator.Validate(classifier);
        var expected = OrtRunner.Run(Head(), OrtRunner.Run(PretrainedModels.ResNet18Session, OrtRunner.Run(PretrainedModels.Preprocess, raw, [1, 3, 224, 224]), [1, 3, 224, 224]), [1, 512, 1, 1]);
        Assert.True(OrtRunner.MaxAbsDiff(expected, OrtRunner.Run(classifier, raw, [1, 3, 224, 224])) <= 1e-6f);
    }

    [Fact]
    public void Different_opset_versions_are_refused_with_both_versions_named()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxGraphSplice.Splice(PretrainedModels.ResNet18, Head(opset: 13)));
        Assert.Contains("version 8", e.Message);
        Assert.Contains("version 13", e.Message);
    }
}
