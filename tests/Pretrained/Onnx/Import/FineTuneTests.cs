using System.Diagnostics;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Pretrained.Onnx.Surgery;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Onnx.Surgery;

namespace MLNetDeep.Pretrained.Tests.Onnx.Import;

/// <summary>Training the imported ResNet18 and writing the result back to ONNX.</summary>
public sealed class FineTuneTests(ITestOutputHelper output)
{
    private const int Images = 4;

    [Fact]
    public void Last_block_fine_tunes_frozen_weights_stay_bit_identical_and_written_back_weights_match_OnnxRuntime()
    {
        torch.manual_seed(42);
        var preprocessed = PretrainedModels.PreprocessedFlowers(Images);
        using var backbone = OnnxImporter.Load(PretrainedModels.ResNet18,
            new OnnxImportOptions { BatchNormStatistics = BatchNormStatisticsMode.FrozenInFrozenLayers });
        // ResNet18's last basic block: Conv381, BN383, Conv387, BN389.
        backbone.TrainOnlyLastLayers(4);
        Assert.Equal(["Convolution381", "BatchNormalization383", "Convolution387", "BatchNormalization389"],
            backbone.Layers.Where(l => l.Trainable).Select(l => l.Name));

        var frozen = backbone.Layers.Where(l => !l.Trainable).SelectMany(l => l.InitializerNames).ToHashSet();
        var before = backbone.GetInitializers().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        using var head = nn.Linear(512, 5);
        using var x = TorchValues.FromArray(preprocessed, Images, 3, 224, 224);
        using var labels = torch.tensor(PretrainedModels.FlowerLabels(Images).Select(l => (long)l).ToArray());
        var trainable = backbone.parameters().Where(p => p.requires_grad).Concat(head.parameters()).ToArray();
        // Two bias-free Conv weights, two BN scale/bias pairs, the head's weight and bias.
        Assert.Equal(2 + 4 + 2, trainable.Length);
        using var optimizer = torch.optim.SGD(trainable, learningRate: 0.01, momentum: 0.9);

        backbone.train();
        head.train();
        var losses = new List<float>();
        var clock = Stopwatch.StartNew();
        for (var step = 0; step < 20; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = head.forward(backbone.forward(x).flatten(1));
            var loss = F.cross_entropy(logits, labels);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        output.WriteLine($"20 SGD steps on {Images} images: {clock.Elapsed.TotalSeconds:F1} s; loss {string.Join(" ", losses.Select(l => l.ToString("F3")))}");
        Assert.True(losses[^1] < losses[0] * 0.5f, $"loss went from {losses[0]} to {losses[^1]}");

        var after = backbone.GetInitializers();
        foreach (var (name, value) in before)
        {
            // Frozen layers' weights and, with FrozenInFrozenLayers, their BN statistics: not one bit changed.
            var isFrozenWeight = frozen.Contains(name);
            var isTrainedWeight = backbone.Layers.Any(l => l.Trainable && l.InitializerNames.Contains(name));
            if (isFrozenWeight || !isTrainedWeight && !IsStatisticOfTrainedLayer(backbone, name))
                Assert.True(BitIdentical(value, after[name]), $"frozen initializer {name} changed");
            else if (isTrainedWeight)
                Assert.False(BitIdentical(value, after[name]), $"trainable initializer {name} did not change");
            value.Dispose();
        }

        // Round trip: the fine-tuned state written into the ONNX graph runs in ORT like the module in eval mode.
        backbone.eval();
        var updated = OnnxInitializerReplacement.ReplaceInitializers(PretrainedModels.ResNet18, backbone);
        OnnxModelValidator.Validate(updated, "fine-tuned ResNet18");
        using var first = x[..1];
        Tensor moduleOutput;
        using (no_grad())
            moduleOutput = backbone.forward(first);
        using var _ = moduleOutput;
        var ort = OrtRunner.Run(updated, TorchValues.ToArray(first), [1, 3, 224, 224]);
        var original = OrtRunner.Run(PretrainedModels.ResNet18Session, TorchValues.ToArray(first), [1, 3, 224, 224]);
        var diff = OrtRunner.MaxAbsDiff(ort, TorchValues.ToArray(moduleOutput));
        var moved = OrtRunner.MaxAbsDiff(ort, original);
        output.WriteLine($"written-back ONNX vs module: max abs diff {diff:E2}; vs the original weights: {moved:E2}");
        Assert.True(diff <= 1e-4f);
        Assert.True(moved > 1e-3f, "the written-back model should differ from the original");
    }

    [Fact]
    public void Replacing_an_initializer_checks_name_shape_and_type()
    {
        using var wrongShape = torch.zeros(3, 3);
        var e = Assert.Throws<ArgumentException>(() => OnnxInitializerReplacement.ReplaceInitializers(
            PretrainedModels.ResNet18, new Dictionary<string, Tensor> { ["Parameter91"] = wrongShape }));
        Assert.Contains("Parameter91", e.Message);
        Assert.Contains("[64,3,7,7]", e.Message);
        e = Assert.Throws<ArgumentException>(() => OnnxInitializerReplacement.ReplaceInitializers(
            PretrainedModels.ResNet18, new Dictionary<string, Tensor> { ["missing"] = wrongShape }));
        Assert.Contains("'missing'", e.Message);
    }

    private static bool BitIdentical(Tensor a, Tensor b) => a.detach().cpu().bytes.SequenceEqual(b.detach().cpu().bytes);

    private static bool IsStatisticOfTrainedLayer(OnnxModule module, string initializer) =>
        module.Layers.Any(l => l.Trainable && l.OpType == "BatchNormalization"
            && PretrainedModels.ResNet18.Graph.Node.Single(n => n.Name == l.Name).Input.Skip(3).Contains(initializer));
}
