using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Imaging;
using Xunit.Abstractions;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>The ResNet18 backbone as the estimator assembles it: the package's files, its preprocessing rebuilt as graph nodes.</summary>
public sealed class ResNet18BackboneTests(ITestOutputHelper output)
{
    [Fact]
    public void Assembled_graph_gives_the_features_of_the_package_preprocessing_and_model_run_one_by_one()
    {
        var graph = BackboneGraph.Build(ImageBackbone.ResNet18);
        Assert.Equal(224, graph.DecodedSize);
        Assert.Equal(13, graph.Opset);
        var image = PretrainedModels.FlowerImages(1)[0];
        var pixels = new float[graph.PixelCount];
        ImageDecoder.Decode(File.ReadAllBytes(image), 224, pixels, image);
        var ours = OrtRunner.Run(graph.Model, pixels, [1, 3, 224, 224]);

        // The package's way: its preprocessing graph, then ResNet18 as shipped (opset 8), on the same decoded pixels.
        using var prep = OrtRunner.Session(PretrainedModels.Preprocess);
        var preprocessed = OrtRunner.Run(prep, pixels, [1, 3, 224, 224]);
        var reference = OrtRunner.Run(PretrainedModels.ResNet18Session, preprocessed, [1, 3, 224, 224]);
        var diff = OrtRunner.MaxAbsDiff(ours, reference);
        output.WriteLine($"512 features, max abs diff {diff:E2}, max feature {reference.Max():F3}");
        Assert.Equal(512, ours.Length);
        Assert.True(diff <= 1e-4f, $"max abs diff {diff}");
    }
}
