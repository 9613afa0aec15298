using Xunit.Abstractions;
using MLNetDeep.Pretrained.FeatureExtraction;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Pretrained.Tests.FeatureExtraction;

public sealed class OnnxFeatureExtractorTests(ITestOutputHelper output)
{
    private const int ImageSize = 3 * 224 * 224;

    private static global::Onnx.ModelProto Relu() => new GraphBuilder()
        .DynamicInput("x", "N", 4)
        .Node("Relu", ["x"], ["y"])
        .DynamicOutput("y", "N", 4)
        .Build(opset: 13);

    [Fact]
    public void Batched_extraction_of_fixed_batch_ResNet18_matches_single_image_runs()
    {
        const int images = 3;
        var preprocessed = PretrainedModels.PreprocessedFlowers(images);
        // Batch size 2 over 3 images: one full batch and one partial.
        using var extractor = new OnnxFeatureExtractor(PretrainedModels.ResNet18, new OnnxFeatureExtractorOptions { BatchSize = 2, IntraOpThreads = 2 });
        Assert.Equal("CPU", extractor.ExecutionProvider);
        Assert.Equal(ImageSize, extractor.SampleLength);

        var features = extractor.Extract(preprocessed, images);
        Assert.Equal(images * 512, features.Length);
        var streamed = extractor.Extract(Enumerable.Range(0, images).Select(i => preprocessed.AsSpan(i * ImageSize, ImageSize).ToArray())).ToArray();
        var worst = 0f;
        for (var i = 0; i < images; i++)
        {
            var single = OrtRunner.Run(PretrainedModels.ResNet18Session, preprocessed.AsSpan(i * ImageSize, ImageSize).ToArray(), [1, 3, 224, 224]);
            worst = Math.Max(worst, OrtRunner.MaxAbsDiff(single, features.AsSpan(i * 512, 512)));
            Assert.Equal(features.AsSpan(i * 512, 512).ToArray(), streamed[i]);
        }
        output.WriteLine($"batched extractor vs single runs: max abs diff {worst:E2}");
        Assert.True(worst <= 1e-5f);
    }

    [Fact]
    public void Asking_for_a_GPU_without_the_CUDA_provider_falls_back_to_the_CPU_with_a_warning()
    {
        var model = Relu();
        var warnings = new List<string>();
        using var extractor = new OnnxFeatureExtractor(model, new OnnxFeatureExtractorOptions { GpuDeviceId = 0, BatchSize = 2, Warning = warnings.Add });
        Assert.Equal("CPU", extractor.ExecutionProvider);
        var warning = Assert.Single(warnings);
        Assert.Contains("CUDA", warning);
        Assert.Contains("GPU 0", warning);
        Assert.Equal([0f, 1f, 0f, 2f, 3f, 0f, 4f, 0f, 0f, 5f, 0f, 6f], extractor.Extract([-1f, 1f, -1f, 2f, 3f, -3f, 4f, -4f, -5f, 5f, -6f, 6f], 3));
    }

    [Fact]
    public void Asking_for_a_GPU_without_the_CUDA_provider_and_without_fallback_is_an_error_naming_both_options()
    {
        var model = Relu();
        var warnings = new List<string>();
        var error = Assert.Throws<InvalidOperationException>(() =>
            new OnnxFeatureExtractor(model, new OnnxFeatureExtractorOptions { GpuDeviceId = 0, FallbackToCpu = false, Warning = warnings.Add }));
        Assert.StartsWith("The CUDA execution provider could not be used for GPU 0, and OnnxFeatureExtractorOptions.GpuDeviceId is 0", error.Message);
        Assert.Contains("set OnnxFeatureExtractorOptions.FallbackToCpu = true to run on the CPU instead", error.Message);
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_fixed_batch_model_with_dynamic_batching_turned_off_is_refused_for_larger_batches()
    {
        var e = Assert.Throws<ArgumentException>(() => new OnnxFeatureExtractor(PretrainedModels.Preprocess,
            new OnnxFeatureExtractorOptions { BatchSize = 4, MakeBatchDynamic = false }));
        Assert.Contains("OriginalInput", e.Message);
        Assert.Contains("at 1", e.Message);
    }

    [Fact]
    public void The_session_sleeps_instead_of_spinning_by_default_and_AllowSpinning_keeps_ONNX_Runtimes_default()
    {
        var model = Relu();
        float[] input = [-1f, 1f, -1f, 2f, 3f, -3f, 4f, -4f];
        using var quiet = new OnnxFeatureExtractor(model, new OnnxFeatureExtractorOptions { BatchSize = 2, IntraOpThreads = 2 });
        Assert.False(quiet.Options.AllowSpinning);
        Assert.Equal("0", Assert.Single(quiet.SessionConfigEntries, e => e.Key == "session.intra_op.allow_spinning").Value);
        using var spinning = new OnnxFeatureExtractor(model, new OnnxFeatureExtractorOptions { BatchSize = 2, IntraOpThreads = 2, AllowSpinning = true });
        Assert.Empty(spinning.SessionConfigEntries);
        Assert.Equal(spinning.Extract(input, 2), quiet.Extract(input, 2));
        Assert.Equal([0f, 1f, 0f, 2f, 3f, 0f, 4f, 0f], quiet.Extract(input, 2));
    }
}
