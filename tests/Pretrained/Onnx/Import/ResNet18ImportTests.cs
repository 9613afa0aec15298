using System.Diagnostics;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Tests.Onnx.Import;

/// <summary>The pretrained ResNet18 and its preprocessing graph, imported and checked against ONNX Runtime on real flower images.</summary>
public sealed class ResNet18ImportTests(ITestOutputHelper output)
{
    private const int ImageSize = 3 * 224 * 224;

    [Fact]
    public void Imported_ResNet18_in_eval_mode_matches_OnnxRuntime_on_flower_images()
    {
        const int images = 3;
        var preprocessed = PretrainedModels.PreprocessedFlowers(images);
        using var module = OnnxImporter.Load(PretrainedModels.ResNet18);
        module.eval();
        Assert.Equal(PretrainedModels.ResNet18Input, module.InputName);
        Assert.Equal(PretrainedModels.ResNet18Output, module.OutputName);

        var session = PretrainedModels.ResNet18Session;
        var worst = 0f;
        var clock = Stopwatch.StartNew();
        using var batch = TorchValues.FromArray(preprocessed, images, 3, 224, 224);
        Tensor features;
        using (no_grad())
            features = module.forward(batch);
        using var featuresOwner = features;
        var torchTime = clock.Elapsed;
        Assert.Equal([images, 512L, 1, 1], features.shape);
        var torchValues = TorchValues.ToArray(features);
        for (var i = 0; i < images; i++)
        {
            var expected = OrtRunner.Run(session, preprocessed.AsSpan(i * ImageSize, ImageSize).ToArray(), [1, 3, 224, 224]);
            var actual = torchValues.AsSpan(i * 512, 512);
            worst = Math.Max(worst, OrtRunner.MaxAbsDiff(expected, actual));
            // Features of real images are far from zero: a broken graph cannot pass by outputting zeros.
            Assert.True(expected.Max() > 0.5f);
        }
        output.WriteLine($"max |TorchSharp - ORT| over {images} images x 512 features: {worst:E2} (TorchSharp batch of {images}: {torchTime.TotalMilliseconds:F0} ms)");
        Assert.True(worst <= 1e-4f, $"max abs diff {worst} exceeds 1e-4");
    }

    [Fact]
    public void Imported_preprocessing_graph_matches_OnnxRuntime()
    {
        var raw = ImageTensorLoader.LoadChw(PretrainedModels.FlowerImages(1)[0]);
        using var module = OnnxImporter.Load(PretrainedModels.Preprocess);
        module.eval();
        using var input = TorchValues.FromArray(raw, 1, 3, 224, 224);
        using var result = module.forward(input);
        var expected = OrtRunner.Run(PretrainedModels.Preprocess, raw, [1, 3, 224, 224]);
        var diff = OrtRunner.MaxAbsDiff(expected, TorchValues.ToArray(result));
        output.WriteLine($"preprocess max abs diff: {diff:E2}");
        Assert.True(diff <= 1e-4f);
        // The graph swaps R and B: the first output plane comes from the input's blue plane.
        Assert.NotEqual(raw[0] - expected[0], raw[2 * 224 * 224] - expected[0]);
    }

    [Fact]
    public void Layers_are_the_parameter_owning_nodes_in_topological_order()
    {
        using var module = OnnxImporter.Load(PretrainedModels.ResNet18);
        // CNTK's ResNet18: 22 Conv (no bias) and 22 BatchNormalization.
        Assert.Equal(44, module.Layers.Count);
        Assert.Equal("Convolution249", module.Layers[0].Name);
        Assert.Equal(["Parameter91"], module.Layers[0].InitializerNames);
        Assert.Equal("Convolution387", module.Layers[^2].Name);
        Assert.Equal("BatchNormalization389", module.Layers[^1].Name);
        Assert.Equal(["Parameter417", "Parameter418"], module.Layers[^1].InitializerNames);
        // Running statistics are buffers, not parameters.
        Assert.Equal(44 + 22, module.parameters().Count());
        Assert.Equal(44, module.buffers().Count());
    }
}
