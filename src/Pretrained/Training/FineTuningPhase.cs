using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.FeatureExtraction;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// Phase 2 through the trainer core: the plan's upper part of the backbone and phase 1's head trained end to end as one
/// <see cref="FineTuningNetwork"/>. Without augmentation the samples are the activations at the plan's entry tensor,
/// computed once by ONNX Runtime, so an epoch runs only the trained part; with augmentation they are the decoded pixels,
/// augmented per batch, and the frozen part runs under no_grad in every step.
/// </summary>
internal static class FineTuningPhase
{
    /// <summary>The ratio of phase 1's learning rate that phase 2 uses by default.</summary>
    public const double DefaultLearningRateRatio = 0.001;

    /// <summary>Phase 2's batch size when none is given: phase 1's, at most this.</summary>
    public const int DefaultMaximumBatchSize = 16;

    /// <summary>The trained network and its exported graph (decoded pixels to class probabilities).</summary>
    public static TrainedNetwork Run(IHostEnvironment environment, TrainingHost host, ImageTransferLearningOptions options, BackboneGraph graph,
        FineTuningPlan plan, IReadOnlyList<ImageRow> rows, IReadOnlyList<ImageRow>? validationRows, DataViewSchema.Column label, MulticlassDeepNeuralNetworkTransformer phase1,
        DeepNeuralNetworkOptions headOptions, int featureCount, int seed, CancellationToken cancellationToken)
    {
        var fine = options.FineTuning ?? throw new InvalidOperationException("Phase 2 runs only with FineTuning set.");
        var augmentation = RandomImageAugmentation.IsOn(fine) ? new RandomImageAugmentation(fine.RandomHorizontalFlip, fine.RandomResizedCropMinimumArea) : null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (samples, shape) = Samples(rows, graph, plan, augmentation is not null, options, host, cancellationToken);
        var context = new MLContext(seed);
        var data = HeadData.Create(context, label, rows.Select(r => r.Class).ToArray(), samples, (int)shape.ElementCount);
        IDataView? validation = null;
        if (validationRows is not null)
        {
            var (validationSamples, _) = Samples(validationRows, graph, plan, augmentation is not null, options, host, cancellationToken);
            validation = HeadData.Create(context, label, validationRows.Select(r => r.Class).ToArray(), validationSamples, (int)shape.ElementCount);
        }
        host.Info($"Phase 2 trains {plan.Description} with the head, on " +
            (augmentation is null ? $"activations {shape} computed once in {clock.Elapsed.TotalSeconds:F1} s." : $"augmented pixels {shape} (the frozen part runs in every step)."));

        var learningRate = fine.LearningRate ?? options.LearningRate * DefaultLearningRateRatio;
        var trainingOptions = new FineTuningTrainingOptions(plan.Description + (augmentation is null ? "" : $"; flip {fine.RandomHorizontalFlip}, crop {fine.RandomResizedCropMinimumArea}") + $"; batch norm frozen {fine.FreezeBatchNormStatistics}; head rate {fine.HeadLearningRate}; backbone {graph.WeightsKey}")
        {
            LearningRate = learningRate,
            Epochs = fine.Epochs,
            BatchSize = fine.BatchSize ?? Math.Min(options.BatchSize, DefaultMaximumBatchSize),
            EarlyStopping = fine.EarlyStopping,
            // The head's penalty as phase 1 used it (HeadSelection's choice, or the user's).
            L2 = headOptions.L2,
        };
        PhaseOptions.Shared(trainingOptions, options, seed, validation, "phase2");
        var factory = new FineTuningNetworkFactory(plan, phase1.Network, headOptions, featureCount, withFrozenPart: augmentation is not null,
            fine.FreezeBatchNormStatistics, (fine.HeadLearningRate ?? learningRate) / learningRate);
        var task = new TrainingTask(new KeyLabelReader(), (column, _) => new MulticlassObjective(KeyLabelReader.ClassCount(column), options.LabelSmoothing));
        var core = new TrainingCore(trainingOptions, task, factory, new FineTunedModelExport(graph, featureCount), shape, augmentation);
        return core.Fit(environment, "ImageFineTuning", data, trained => trained, (divergence, best) =>
        {
            best?.Network.Dispose();
            return new InvalidOperationException(
                $"Fine-tuning (phase 2) diverged: {divergence.Message} Lower ImageTransferLearningOptions.FineTuning.LearningRate (it was {learningRate}).", divergence);
        }, cancellationToken);
    }

    /// <summary>The samples of <paramref name="rows"/>, row after row, and their shape: decoded pixels, or the activations at the plan's entry.</summary>
    private static (float[] Samples, SampleShape Shape) Samples(IReadOnlyList<ImageRow> rows, BackboneGraph graph, FineTuningPlan plan, bool pixels,
        ImageTransferLearningOptions options, TrainingHost host, CancellationToken cancellationToken)
    {
        var all = Enumerable.Range(0, rows.Count).ToArray();
        if (pixels)
        {
            var decoded = new float[(long)rows.Count * graph.PixelCount];
            // Phase 1 has warned about small images already.
            ImageFeatureExtraction.DecodeInBatches(rows, all, graph, options.FeatureBatchSize, options.NumberOfThreads, _ => { }, cancellationToken,
                (batch, values) => values.CopyTo(decoded.AsSpan(batch[0] * graph.PixelCount)));
            return (decoded, new SampleShape(3, graph.DecodedSize, graph.DecodedSize));
        }
        using var extractor = new FeatureExtraction.OnnxFeatureExtractor(plan.Lower, new OnnxFeatureExtractorOptions
        {
            BatchSize = options.FeatureBatchSize,
            IntraOpThreads = options.NumberOfThreads ?? 0,
            OutputName = plan.Entry,
        });
        float[]? activations = null;
        ImageFeatureExtraction.DecodeInBatches(rows, all, graph, options.FeatureBatchSize, options.NumberOfThreads, _ => { }, cancellationToken, (batch, values) =>
        {
            var result = extractor.Extract(values, batch.Count);
            var length = result.Length / batch.Count;
            activations ??= new float[(long)rows.Count * length];
            result.CopyTo(activations.AsSpan(batch[0] * length));
        });
        var shape = extractor.OutputSampleShape ?? throw new InvalidOperationException("No activations were computed.");
        return (activations!, new SampleShape(shape.ToArray()));
    }
}
