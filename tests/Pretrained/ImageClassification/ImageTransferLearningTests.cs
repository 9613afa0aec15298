using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Imaging;
using MLNetDeep.Transforms.Onnx;
using Xunit.Abstractions;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>Phase 1 end to end on a synthetic backbone: training, the one exported graph, serving in a fresh process.</summary>
public sealed class ImageTransferLearningTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyntheticImageSet _set = new(perClass: 8, classes: 2);

    public void Dispose() => _set.Dispose();

    [Fact]
    public void Trains_a_separable_set_and_predicts_keys_that_map_back_to_class_names()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(data);
        var scored = model.Transform(data);
        var metrics = context.MulticlassClassification.Evaluate(scored);
        output.WriteLine($"training accuracy {metrics.MacroAccuracy:F3}, log-loss {metrics.LogLoss:F3}");
        Assert.Equal(1.0, metrics.MacroAccuracy);
        var names = context.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(scored).Transform(scored);
        Assert.Equal(_set.Rows.Select(r => r.Class), names.GetColumn<string>("PredictedClass"));
        var scores = scored.GetColumn<float[]>("Score").ToList();
        Assert.All(scores, s => Assert.Equal(1f, s.Sum(), 5));
        // Only the user's columns and ML.NET's multiclass outputs: the decoding and graph columns are dropped.
        Assert.Equal(["Path", "Class", "Label", "Image", "PredictedLabel", "Score"], scored.Schema.Where(c => !c.IsHidden).Select(c => c.Name));
        Assert.Equal(20, model.HeadHistory.Epochs.Count);
        Assert.Null(model.FineTuningHistory);
    }

    [Fact]
    public void The_head_on_cached_features_gives_the_spliced_graphs_predictions()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(data);
        var chainScores = model.Transform(data).GetColumn<float[]>("Score").ToList();

        // The features as phase 1 computed them, through the backbone graph alone, then the head's own chain.
        var graph = MLNetDeep.Pretrained.Backbones.BackboneGraph.Build(_set.Backbone);
        using var session = OrtRunner.Session(graph.Model);
        var features = _set.Rows.Select(r =>
        {
            var pixels = new float[graph.PixelCount];
            ImageDecoder.Decode(File.ReadAllBytes(r.Path), graph.DecodedSize, pixels, r.Path);
            return OrtRunner.Run(session, pixels, [1, 3, graph.DecodedSize, graph.DecodedSize]);
        }).ToList();
        var label = data.Schema["Label"];
        var headData = Training.HeadData.Create(context, label, _set.Rows.Select(r => Array.IndexOf(SyntheticImageSet.ClassNames, r.Class)).ToArray(),
            features.SelectMany(f => f).ToArray(), features[0].Length);
        var headScores = model.Head.Transform(headData).GetColumn<float[]>("Score").ToList();
        var worst = chainScores.Zip(headScores).Max(p => OrtRunner.MaxAbsDiff(p.First, p.Second));
        output.WriteLine($"spliced graph vs head on features: max abs diff {worst:E2}");
        Assert.True(worst <= 1e-5f, $"max abs diff {worst}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_model_and_another_seed_another()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        byte[] Graph(int seed)
        {
            using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options(seed)).Fit(data);
            using var stream = new MemoryStream();
            model.ExportOnnx(stream);
            return stream.ToArray();
        }
        var first = Graph(7);
        Assert.Equal(first, Graph(7));
        Assert.NotEqual(first, Graph(8));
    }

    [Fact]
    public void Phase_1_leaves_every_backbone_weight_and_statistic_bit_identical_in_the_exported_graph()
    {
        var context = new MLContext(1);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(_set.Load(context));
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        var exported = OnnxModelReader.Parse(stream.ToArray()).Graph.Initializer.ToDictionary(t => t.Name);
        var original = OnnxModelReader.Read(_set.BackbonePath).Graph.Initializer;
        Assert.All(original, t =>
        {
            var copy = exported[t.Name];
            Assert.Equal(t.Dims, copy.Dims);
            Assert.Equal(t.FloatData.Count > 0 ? t.FloatData.SelectMany(BitConverter.GetBytes).ToArray() : t.RawData.ToByteArray(),
                copy.FloatData.Count > 0 ? copy.FloatData.SelectMany(BitConverter.GetBytes).ToArray() : copy.RawData.ToByteArray());
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_saved_zip_scores_raw_bytes_or_paths_in_a_fresh_process_identically_without_TorchSharp(bool bytes)
    {
        var context = new MLContext(1);
        var data = _set.Load(context, bytes: bytes);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(data);
        var expected = model.Transform(data).GetColumn<float[]>("Score").ToList();
        var expectedLabels = model.Transform(data).GetColumn<uint>("PredictedLabel").ToList();
        var zip = Path.Combine(_set.Folder, $"model-{bytes}.zip");
        context.Model.Save(model, data.Schema, zip);
        Transforms.Scoring.ModelZip.Verify(zip);

        var served = ImageScoringProbeRunner.Score(zip, bytes, _set.Rows.Select(r => r.Path).ToList());
        var worst = expected.Zip(served.Scores).Max(p => OrtRunner.MaxAbsDiff(p.First, p.Second));
        output.WriteLine($"{(bytes ? "bytes" : "paths")}: fresh process vs training process max abs diff {worst:E2}; load to first prediction {served.LoadToFirstPredictionMs} ms");
        Assert.True(worst <= 1e-5f, $"max abs diff {worst}");
        Assert.Equal(expectedLabels, served.Labels);
        Assert.Contains("MLNetDeep.Transforms.Imaging", served.Assemblies);
        Assert.DoesNotContain(served.Assemblies, a => a.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(served.Assemblies, a => a is "MLNetDeep.Pretrained" or "MLNetDeep.Trainers");
        Assert.DoesNotContain(served.NativeLibraries, l => l.Contains("torch", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Serving_decodes_the_pixels_training_used_and_the_loaded_zip_too()
    {
        var context = new MLContext(1);
        var data = _set.Load(context);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(data);
        var zip = Path.Combine(_set.Folder, "pixels.zip");
        context.Model.Save(model, data.Schema, zip);
        var loaded = (TransformerChain<ITransformer>)new MLContext().Model.Load(zip, out _);
        foreach (var decode in new[] { model.ScoringChain.First(), loaded.First() })
        {
            var served = decode.Transform(data).GetColumn<float[]>(ImageDecoding.PixelsColumn).ToList();
            for (var i = 0; i < _set.Rows.Count; i++)
            {
                var trained = new float[served[i].Length];
                ImageDecoder.Decode(File.ReadAllBytes(_set.Rows[i].Path), 224, trained, "training");
                Assert.True(OrtRunner.MaxAbsDiff(trained, served[i]) <= 1e-5f);
            }
        }
    }
}
