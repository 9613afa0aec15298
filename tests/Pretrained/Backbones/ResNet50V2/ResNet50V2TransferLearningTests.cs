using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Pretrained.Tests.ImageClassification;
using MLNetDeep.Tests.Support;
using Xunit.Abstractions;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>
/// The image estimator on ResNet50V2 end to end, from a Keras .h5 file: a head trained on its features, the model
/// scored with ML.NET's multiclass conventions, and the saved zip served in a fresh process with the same predictions.
/// A handful of small images keeps it to seconds: each image costs about 4 GFLOPs at 224 pixels.
/// </summary>
[Collection(ResNet50V2BackboneCollection.Name)]
public sealed class ResNet50V2TransferLearningTests(ResNet50V2BackboneFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Trains_a_head_on_ResNet50V2_and_its_zip_scores_the_same_in_a_fresh_process()
    {
        using var set = new SyntheticImageSet(perClass: 2, classes: 2);
        var context = new MLContext(1);
        var data = set.Load(context);
        var options = new ImageTransferLearningOptions
        {
            // With its checksum: the file is checked before it is read.
            Backbone = ImageBackbone.ResNet50V2(fixture.WeightsPath, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(fixture.WeightsPath)))),
            FineTuning = null,
            HeadSelection = null,
            Epochs = 30,
            Seed = 1,
        };
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data);
        Assert.Same(options.Backbone, model.Backbone);

        // Cached: each pass through the model costs a backbone forward per image.
        var scored = context.Data.Cache(model.Transform(data));
        var metrics = context.MulticlassClassification.Evaluate(scored);
        output.WriteLine($"training accuracy {metrics.MacroAccuracy:F3}, log-loss {metrics.LogLoss:F3}");
        Assert.Equal(1.0, metrics.MacroAccuracy);
        var scores = scored.GetColumn<float[]>("Score").ToList();
        Assert.All(scores, s => Assert.Equal(2, s.Length));
        Assert.All(scores, s => Assert.Equal(1f, s.Sum(), 5));
        var names = context.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(scored).Transform(scored);
        Assert.Equal(set.Rows.Select(r => r.Class), names.GetColumn<string>("PredictedClass"));
        var labels = scored.GetColumn<uint>("PredictedLabel").ToList();

        var zip = Path.Combine(set.Folder, "resnet50v2.zip");
        context.Model.Save(model, data.Schema, zip);
        var served = ImageScoringProbeRunner.Score(zip, asBytes: true, set.Rows.Select(r => r.Path).ToList());
        var worst = scores.Zip(served.Scores).Max(p => OrtRunner.MaxAbsDiff(p.First, p.Second));
        output.WriteLine($"fresh process vs training process: max abs diff {worst:E2}; zip {new FileInfo(zip).Length / 1e6:F0} MB; load to first prediction {served.LoadToFirstPredictionMs} ms");
        Assert.True(worst <= 1e-5f, $"max abs diff {worst}");
        Assert.Equal(labels, served.Labels);
        Assert.DoesNotContain(served.Assemblies, a => a.StartsWith("TorchSharp", StringComparison.Ordinal));
    }
}
