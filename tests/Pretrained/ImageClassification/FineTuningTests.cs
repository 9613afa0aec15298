using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Training;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Imaging;
using MLNetDeep.Transforms.Onnx;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>Phase 2 end to end on the synthetic residual backbone: what is trained, what stays bit-identical, the exported graph, serving.</summary>
public sealed class FineTuningTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyntheticImageSet _set = new(perClass: 8, classes: 2);

    public void Dispose() => _set.Dispose();

    /// <summary>Phase 1 as the other tests train it, then 3 epochs of the top block at a rate that moves the weights visibly.</summary>
    private ImageTransferLearningOptions Options(bool augment = false, int seed = 1, int blocks = 1)
    {
        var options = _set.Options(seed);
        options.FineTuning = new FineTuningOptions
        {
            UnfrozenBlocks = blocks,
            Epochs = 3,
            LearningRate = 0.01,
            RandomHorizontalFlip = augment,
            RandomResizedCropMinimumArea = augment ? 0.6 : null,
        };
        return options;
    }

    private static Dictionary<string, byte[]> Initializers(ModelProto model) =>
        model.Graph.Initializer.ToDictionary(t => t.Name, t => t.FloatData.Count > 0 ? t.FloatData.SelectMany(BitConverter.GetBytes).ToArray() : t.RawData.ToByteArray());

    private static byte[] Exported(ImageClassificationTransformer model)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        return stream.ToArray();
    }

    [Fact]
    public void Residual_blocks_are_found_from_the_graph_with_their_entries_and_layers()
    {
        var graph = BackboneGraph.Build(_set.Backbone);
        var blocks = ResidualBlocks.Find(graph.Model.Graph, graph.BackboneInput);
        Assert.Equal(2, blocks.Blocks.Count);
        Assert.Equal("stem_out", blocks.Blocks[0].Entry);
        Assert.Equal("block1_out", blocks.Blocks[0].Exit);
        Assert.Equal("block1_out", blocks.Blocks[1].Entry);
        Assert.Equal("block2_out", blocks.Blocks[1].Exit);
        // Each block: Conv, BN, Conv, BN (GraphBuilder names nodes OpType_index); the stem's are outside both.
        Assert.All(blocks.Blocks, b => Assert.Equal(4, b.Layers.Count));
        Assert.Equal(10, blocks.Layers.Count);
        Assert.DoesNotContain(blocks.Layers, l => l.StartsWith("mlnetdeep_", StringComparison.Ordinal));
    }

    [Fact]
    public void ResNet18_has_9_residual_blocks_and_the_top_one_holds_its_last_two_convolutions()
    {
        var graph = BackboneGraph.Build(ImageBackbone.ResNet18);
        var blocks = ResidualBlocks.Find(graph.Model.Graph, graph.BackboneInput);
        // CNTK's ResNet18 has 9 residual additions (its last stage has three blocks): 18 block convolutions and 3 shortcuts.
        Assert.Equal(9, blocks.Blocks.Count);
        Assert.Equal("Pooling255_Output_0", blocks.Blocks[0].Entry);
        Assert.Equal("ReLU379_Output_0", blocks.Blocks[^1].Entry);
        Assert.Equal(["Convolution381", "BatchNormalization383", "Convolution387", "BatchNormalization389"], blocks.Blocks[^1].Layers);
        // The downsampling blocks hold their shortcut convolution too.
        Assert.Contains("Convolution359", blocks.Blocks[6].Layers);
        Assert.Equal(44, blocks.Layers.Count);
    }

    [Fact]
    public void The_imported_ResNet18_backbone_graph_takes_batches_and_matches_OnnxRuntime()
    {
        // BackboneGraph makes the featurizer's batch of 1 dynamic; the importer runs the same graph on a batch of 2.
        var graph = BackboneGraph.Build(ImageBackbone.ResNet18);
        var pixels = new float[2 * graph.PixelCount];
        var files = PretrainedModels.FlowerImages(2);
        for (var i = 0; i < 2; i++)
            ImageDecoder.Decode(File.ReadAllBytes(files[i]), graph.DecodedSize, pixels.AsSpan(i * graph.PixelCount, graph.PixelCount), files[i]);
        using var module = OnnxImporter.Load(graph.Model);
        module.eval();
        using var input = TorchValues.FromArray(pixels, 2, 3, graph.DecodedSize, graph.DecodedSize);
        Tensor features;
        using (no_grad())
            features = module.forward(input);
        using var owner = features;
        var expected = OrtRunner.Run(graph.Model, pixels, [2, 3, graph.DecodedSize, graph.DecodedSize]);
        var worst = OrtRunner.MaxAbsDiff(expected, TorchValues.ToArray(features));
        output.WriteLine($"ResNet18 backbone graph, batch 2: max |TorchSharp - ORT| {worst:E2}");
        Assert.Equal([2L, 512], features.shape);
        Assert.True(worst <= 1e-4f, $"max abs diff {worst}");
    }

    [Fact]
    public void ResNet18_fine_tunes_its_top_block_on_a_few_photos_and_leaves_the_rest_of_the_graph_bit_identical()
    {
        // Small on purpose (ResNet18 at 224 pixels on 2 cores): 6 photos of 2 classes, 1 epoch of each phase.
        var context = new MLContext(1);
        var files = PretrainedModels.FlowerImages(10).Where((_, i) => i % 5 < 2).ToArray();
        var photos = files.Select(f => new SyntheticImageSet.ImageFile { Path = f, Class = Path.GetFileName(Path.GetDirectoryName(f))! }).ToList();
        var raw = context.Data.LoadFromEnumerable(photos);
        var data = context.Transforms.Conversion.MapValueToKey("Label", "Class").Append(context.Transforms.LoadRawImageBytes("Image", null, "Path")).Fit(raw).Transform(raw);
        var options = new ImageTransferLearningOptions { Seed = 1, Epochs = 1, NumberOfThreads = 2, HeadSelection = null, FineTuning = new FineTuningOptions { Epochs = 1, LearningRate = 1e-3 } };
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        Assert.Single(model.FineTuningHistory!.Epochs);
        Assert.Equal(photos.Count, model.Transform(data).GetColumn<float[]>("Score").Count(s => Math.Abs(s.Sum() - 1) < 1e-5));

        var original = Initializers(PretrainedModels.ResNet18);
        var exported = Initializers(OnnxModelReader.Parse(Exported(model)));
        // The top block: Convolution381 and 387's weights, BatchNormalization383 and 389's scales and biases; never their statistics (Constant405 ...).
        string[] trained = ["Parameter14", "Parameter403", "Parameter404", "Parameter10", "Parameter417", "Parameter418"];
        var changed = original.Keys.Where(k => !original[k].SequenceEqual(exported[k])).Order().ToArray();
        output.WriteLine($"changed initializers: {string.Join(", ", changed)}");
        Assert.Equal(trained.Order(), changed);
    }

    [Fact]
    public void Phase_2_trains_the_top_block_only_and_keeps_every_other_weight_and_all_statistics_bit_identical()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(Options()).Fit(data);
        Assert.NotNull(model.FineTuningHistory);
        Assert.Equal(3, model.FineTuningHistory!.Epochs.Count);
        Assert.Equal(1.0, context.MulticlassClassification.Evaluate(model.Transform(data)).MacroAccuracy);

        var original = Initializers(OnnxModelReader.Read(_set.BackbonePath));
        var exported = Initializers(OnnxModelReader.Parse(Exported(model)));
        // The top block: block2's convolutions and BN scale/bias are trained; its BN statistics are not.
        string[] trained = ["block2a_w", "block2b_w", "block2a_scale", "block2a_bias", "block2b_scale", "block2b_bias"];
        foreach (var (name, bytes) in original)
        {
            if (trained.Contains(name))
                Assert.NotEqual(bytes, exported[name]);
            else
                Assert.Equal(bytes, exported[name]);
        }
        Assert.Contains("block2a_mean", original.Keys);
    }

    [Fact]
    public void The_fine_tuned_network_and_the_exported_graph_give_the_same_probabilities()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        var options = Options();
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        var network = Assert.IsType<FineTuningNetwork>(model.FineTunedNetwork);
        Assert.Null(network.Frozen);

        var graph = BackboneGraph.Build(_set.Backbone);
        var plan = FineTuningPlan.Create(graph, options.FineTuning!, _set.Backbone.Name);
        using var exported = OrtRunner.Session(OnnxModelReader.Parse(Exported(model)));
        using var lower = OrtRunner.Session(plan.Lower);
        var worst = 0f;
        foreach (var row in _set.Rows)
        {
            var pixels = new float[graph.PixelCount];
            ImageDecoder.Decode(File.ReadAllBytes(row.Path), graph.DecodedSize, pixels, row.Path);
            long[] shape = [1, 3, graph.DecodedSize, graph.DecodedSize];
            var served = OrtRunner.Run(exported, pixels, shape);
            var (activations, activationShape) = OrtRunner.RunWithShape(lower, pixels, shape);
            using var input = TorchValues.FromArray(activations, activationShape);
            float[] trained;
            using (no_grad())
            using (var logits = network.forward(input))
            using (var probabilities = logits.softmax(1))
                trained = TorchValues.ToArray(probabilities);
            worst = Math.Max(worst, OrtRunner.MaxAbsDiff(served, trained));
        }
        output.WriteLine($"fine-tuned TorchSharp network vs exported graph in ONNX Runtime: max abs diff {worst:E2}");
        Assert.True(worst <= 1e-5f, $"max abs diff {worst}");
    }

    [Fact]
    public void Phase_2_starts_from_phase_1_a_negligible_rate_gives_phase_1_predictions()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        using var phase1 = context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(data);
        var options = Options();
        options.FineTuning!.LearningRate = 1e-20;
        using var phase2 = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        var before = phase1.Transform(data).GetColumn<float[]>("Score").ToList();
        var after = phase2.Transform(data).GetColumn<float[]>("Score").ToList();
        var worst = before.Zip(after).Max(p => OrtRunner.MaxAbsDiff(p.First, p.Second));
        output.WriteLine($"phase 1 vs phase 2 at a rate of 1e-20: max abs diff {worst:E2}");
        Assert.True(worst <= 1e-5f, $"max abs diff {worst}");
    }

    [Fact]
    public void With_augmentation_the_same_seed_gives_the_same_graph_and_another_seed_another()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        byte[] Graph(int seed)
        {
            using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(Options(augment: true, seed: seed)).Fit(data);
            Assert.NotNull(Assert.IsType<FineTuningNetwork>(model.FineTunedNetwork).Frozen);
            return Exported(model);
        }
        var first = Graph(3);
        Assert.Equal(first, Graph(3));
        Assert.NotEqual(first, Graph(4));
    }

    [Fact]
    public void Augmentation_flips_and_crops_from_the_generator_it_is_given()
    {
        using var pixels = arange(2 * 3 * 8 * 8, dtype: ScalarType.Float32).view(2, 3, 8, 8);
        var flip = new RandomImageAugmentation(flip: true, minimumArea: null);
        using var generator = new TorchSharp.torch.Generator(5);
        using var flipped = flip.Augment(pixels, generator);
        // Each image is itself or its mirror image, and the same seed draws the same choice.
        for (var i = 0; i < 2; i++)
        {
            Assert.True(Same(flipped[i], pixels[i]) || Same(flipped[i], pixels[i].flip(2)));
        }
        using var again = new TorchSharp.torch.Generator(5);
        Assert.True(Same(flip.Augment(pixels, again), flipped));

        var crop = new RandomImageAugmentation(flip: false, minimumArea: 0.25);
        using var cropped = crop.Augment(pixels, generator);
        Assert.Equal(pixels.shape, cropped.shape);
        Assert.False(Same(cropped, pixels));
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && TorchValues.ToArray(a).SequenceEqual(TorchValues.ToArray(b));

    [Fact]
    public void Named_layers_are_trained_alone_and_an_unknown_name_lists_the_valid_ones()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        var graph = BackboneGraph.Build(_set.Backbone);
        var layers = ResidualBlocks.Find(graph.Model.Graph, graph.BackboneInput).Layers;
        // The second convolution of block 1: everything from block 1's entry runs with gradients, only it is trained.
        var layer = layers[4];
        var options = Options();
        options.FineTuning!.UnfrozenLayers = [layer];
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        var original = Initializers(OnnxModelReader.Read(_set.BackbonePath));
        var exported = Initializers(OnnxModelReader.Parse(Exported(model)));
        var changed = original.Where(p => !p.Value.SequenceEqual(exported[p.Key])).Select(p => p.Key).ToArray();
        Assert.Equal(["block1b_w"], changed);

        options.FineTuning.UnfrozenLayers = ["Conv_999"];
        var e = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data));
        Assert.Contains("FineTuning.UnfrozenLayers names 'Conv_999'", e.Message);
        Assert.Contains(string.Join(", ", layers), e.Message);
    }

    [Fact]
    public void Bad_fine_tuning_options_name_the_option_and_the_value()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        var options = Options(blocks: 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data));
        Assert.Contains("FineTuning.UnfrozenBlocks is 3; the backbone 'backbone.onnx' has 2 residual blocks, so it must be from 1 to 2.", e.Message);

        var zero = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(Options(blocks: 0)));
        Assert.StartsWith("ImageTransferLearningOptions.FineTuning.UnfrozenBlocks is 0;", zero.Message);
        foreach (var rate in new[] { 0.0, -1e-4 })
        {
            var bad = Options();
            bad.FineTuning!.LearningRate = rate;
            var r = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(bad));
            Assert.StartsWith($"ImageTransferLearningOptions.FineTuning.LearningRate is {rate};", r.Message);
            bad.FineTuning.LearningRate = null;
            bad.FineTuning.HeadLearningRate = rate;
            r = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(bad));
            Assert.StartsWith($"ImageTransferLearningOptions.FineTuning.HeadLearningRate is {rate};", r.Message);
        }
    }

    [Fact]
    public void Phase_2_checkpoints_and_a_later_fit_resumes_to_the_weights_of_an_uninterrupted_run()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        byte[] Run(int epochs, string? checkpoints)
        {
            var options = Options();
            options.FineTuning!.Epochs = epochs;
            options.CheckpointDirectory = checkpoints;
            using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
            Assert.Equal(epochs, model.FineTuningHistory!.Epochs.Count);
            return Exported(model);
        }
        var straight = Run(3, null);
        var folder = Path.Combine(_set.Folder, "checkpoints");
        Assert.NotEqual(straight, Run(2, folder));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder, "phase2")));
        Assert.Equal(straight, Run(3, folder));
    }

    [Fact]
    public void Phase_2_early_stopping_keeps_the_best_epoch_and_needs_validation_data_for_a_validation_metric()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        var options = Options();
        options.FineTuning!.Epochs = 6;
        options.ValidationFraction = 0.25;
        options.FineTuning.EarlyStopping = new Trainers.EarlyStoppingOptions { Metric = Trainers.EarlyStoppingMetric.ValidationLoss, Patience = 1 };
        using (var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data))
        {
            var history = model.FineTuningHistory!;
            Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationLoss));
            Assert.Equal(history.Epochs.MinBy(e => e.ValidationLoss!.Value)!.Epoch, history.BestEpoch);
        }
        options.ValidationFraction = 0;
        var e = Assert.Throws<ArgumentException>(() => context.MulticlassClassification.Trainers.ImageTransferLearning(options));
        Assert.StartsWith("ImageTransferLearningOptions.FineTuning.EarlyStopping.Metric is ValidationLoss; expected TrainingLoss when there is no validation data", e.Message);
    }

    [Fact]
    public void With_batch_norm_statistics_unfrozen_only_the_unfrozen_blocks_statistics_change_and_a_validation_set_is_scored_each_epoch()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        var options = Options();
        options.FineTuning!.FreezeBatchNormStatistics = false;
        // The exported weights must be phase 2's, whatever the validation loss says.
        options.FineTuning.KeepPhase1WhenNotBetter = false;
        options.ValidationSet = _set.Load(context, _set.Rows.Where((_, i) => i % 2 == 0));
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        Assert.All(model.FineTuningHistory!.Epochs, e => Assert.NotNull(e.ValidationLoss));
        var original = Initializers(OnnxModelReader.Read(_set.BackbonePath));
        var exported = Initializers(OnnxModelReader.Parse(Exported(model)));
        var changed = original.Keys.Where(k => !original[k].SequenceEqual(exported[k])).ToHashSet();
        Assert.Contains("block2a_mean", changed);
        Assert.Contains("block2b_var", changed);
        Assert.DoesNotContain(changed, k => k.StartsWith("block1", StringComparison.Ordinal) || k.StartsWith("stem", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fine_tuned_zip_scores_in_a_fresh_process_identically_without_TorchSharp()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(Options()).Fit(data);
        var scored = model.Transform(data);
        var expected = scored.GetColumn<float[]>("Score").ToList();
        var expectedLabels = scored.GetColumn<uint>("PredictedLabel").ToList();
        var zip = Path.Combine(_set.Folder, "fine-tuned.zip");
        context.Model.Save(model, data.Schema, zip);
        Transforms.Scoring.ModelZip.Verify(zip);

        var served = ImageScoringProbeRunner.Score(zip, asBytes: true, _set.Rows.Select(r => r.Path).ToList());
        var worst = expected.Zip(served.Scores).Max(p => OrtRunner.MaxAbsDiff(p.First, p.Second));
        output.WriteLine($"fine-tuned zip, fresh process vs training process: max abs diff {worst:E2}");
        Assert.True(worst <= 1e-5f, $"max abs diff {worst}");
        Assert.Equal(expectedLabels, served.Labels);
        Assert.DoesNotContain(served.Assemblies, a => a.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(served.NativeLibraries, l => l.Contains("torch", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void With_validation_data_phase_2_is_kept_only_when_its_validation_loss_is_not_above_phase_1s()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        var options = Options();
        options.ValidationFraction = 0.25;
        // A rate far too large for fine-tuning: phase 2 undoes what the head learned.
        options.FineTuning!.LearningRate = 0.1;
        options.FineTuning.Epochs = 2;
        using var reverted = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        var phase1Loss = reverted.HeadHistory.Epochs[^1].ValidationLoss!.Value;
        var phase2Loss = reverted.FineTuningHistory!.Epochs[^1].ValidationLoss!.Value;
        output.WriteLine($"validation loss: phase 1 {phase1Loss:F4}, phase 2 at rate 0.1 {phase2Loss:F4}");
        Assert.True(phase2Loss > phase1Loss);
        Assert.False(reverted.FineTuningKept);
        Assert.Equal(2, reverted.FineTuningHistory.Epochs.Count);
        var headOnly = _set.Options();
        headOnly.ValidationFraction = 0.25;
        using var phase1 = context.MulticlassClassification.Trainers.ImageTransferLearning(headOnly).Fit(data);
        Assert.Null(phase1.FineTuningKept);
        Assert.Equal(Exported(phase1), Exported(reverted));

        // Turned off, the same run keeps phase 2's weights.
        options.FineTuning.KeepPhase1WhenNotBetter = false;
        using var kept = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        Assert.True(kept.FineTuningKept);
        Assert.NotEqual(Exported(phase1), Exported(kept));

        // Without validation data nothing is compared: phase 2 is kept.
        using var unchecked_ = context.MulticlassClassification.Trainers.ImageTransferLearning(Options()).Fit(data);
        Assert.True(unchecked_.FineTuningKept);
        Assert.True(new FineTuningOptions().KeepPhase1WhenNotBetter);
    }
}
