using System.Reflection;
using Microsoft.ML;
using MLNetDeep.Trainers.Schedules;
using MLNetDeep.Trainers.Training;
using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Trainers;

/// <summary>
/// The learning-rate range test (Smith 2015; fastai's <c>lr_find</c>; Géron, chapter 11): train a fresh network on the
/// user's data and options for a few hundred mini-batches while the rate grows exponentially from tiny to huge, record
/// the loss, and read a good constant rate off the curve.
/// </summary>
/// <example>
/// <code>
/// var trainer = mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(options);
/// LearningRateCurve curve = trainer.FindLearningRate(trainingData);
/// curve.SavePlot("lr-finder.png");
/// options.LearningRate = curve.SuggestedLearningRate;
/// var model = trainer.Fit(trainingData);
/// </code>
/// </example>
public static class LearningRateFinder
{
    /// <summary>
    /// Sweeps the learning rate on <paramref name="input"/> with the trainer's network, optimizer and options, and returns
    /// the loss curve and the suggested rate (<see cref="LearningRateCurve.SuggestedLearningRate"/>).
    /// </summary>
    /// <remarks>
    /// The sweep trains its own network, built as <c>Fit</c> would build it (same seed, so the same initial weights and
    /// shuffling), on a copy of the options in which the schedule is the sweep and everything that observes or stops a
    /// run is off: validation, early stopping, checkpoints, TensorBoard, progress, gradient norms, and exact batch-norm
    /// statistics. The trainer's options object is not changed, no model is produced, and nothing is drawn from the
    /// context's random source: with <see cref="TrainingOptions.Seed"/> null the sweep uses seed 0, so a <c>Fit</c> after the
    /// sweep trains exactly as it would have without it. The loss recorded is the mini-batch training loss (the penalty
    /// included) before each step's update. The sweep trains on every row: where <see cref="TrainingOptions.L2"/> is unset and
    /// the size-dependent defaults would add L2 to a <c>Fit</c> (100 to 10,000 rows, no validation or early stopping chosen),
    /// the sweep runs without it; set <see cref="TrainingOptions.L2"/> to sweep with the penalty the <c>Fit</c> will use.
    /// </remarks>
    /// <typeparam name="TTransformer">The trainer's model type.</typeparam>
    /// <param name="trainer">A DNN trainer from the catalog; its options define the network and the optimizer.</param>
    /// <param name="input">Training data with the columns the options name.</param>
    /// <param name="options">The sweep; null: <see cref="LearningRateFinderOptions"/>' defaults.</param>
    /// <param name="cancellationToken">Checked before every mini-batch.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option of the trainer or the sweep is out of range; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The loss was not finite at the very first rate, so there is no curve.</exception>
    public static LearningRateCurve FindLearningRate<TTransformer>(this DeepNeuralNetworkTrainerBase<TTransformer> trainer, IDataView input,
        LearningRateFinderOptions? options = null, CancellationToken cancellationToken = default)
        where TTransformer : DeepNeuralNetworkTransformer
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(input);
        options ??= new LearningRateFinderOptions();
        options.Validate();
        trainer.Options.Validate();

        var recorder = new LearningRateSweepRecorder(options);
        var sweepOptions = SweepOptions(trainer.Options, options, recorder);
        var core = new TrainingCore(sweepOptions, trainer.CreateTask(), new Network.MultilayerPerceptronFactory(sweepOptions));
        try
        {
            // A child with its own seed logs to the user's context but draws nothing from its random source (a plain
            // Register would), so the context's later seeds are the ones they would have been.
            var environment = trainer.HostEnvironment.Register(nameof(LearningRateFinder), seed: 0);
            core.Fit<object>(environment, trainer.LogName, input,
                trained =>
                {
                    trained.Network.Dispose();
                    return trained;
                },
                (_, best) =>
                {
                    (best as TrainedNetwork)?.Network.Dispose();
                    return new SweepDiverged();
                },
                cancellationToken);
        }
        catch (SweepDiverged)
        {
            return new LearningRateCurve(recorder.LearningRates, recorder.Losses, recorder.SmoothedLosses, LearningRateSweepEnd.LossNotFinite);
        }
        return new LearningRateCurve(recorder.LearningRates, recorder.Losses, recorder.SmoothedLosses, recorder.End);
    }

    // A copy of every settable property (public or internal), so options added later are carried without a list to keep up to date.
    private static DeepNeuralNetworkOptions SweepOptions(DeepNeuralNetworkOptions user, LearningRateFinderOptions sweep, LearningRateSweepRecorder recorder)
    {
        var copy = new DeepNeuralNetworkOptions();
        foreach (var property in typeof(DeepNeuralNetworkOptions).GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (property.GetIndexParameters().Length == 0 && property.GetSetMethod(nonPublic: true) is { } setter && property.GetGetMethod(nonPublic: true) is not null)
                setter.Invoke(copy, new[] { property.GetValue(user) });
        }
        copy.Seed = user.Seed ?? 0;
        copy.LearningRate = sweep.MinimumLearningRate;
        copy.LearningRateSchedule = new ExponentialSweepSchedule(sweep.MinimumLearningRate, sweep.MaximumLearningRate, sweep.Steps);
        // Every epoch has at least one batch, so the sweep's steps always fit; the recorder ends it.
        copy.Epochs = sweep.Steps;
        copy.ValidationFraction = 0;
        copy.ValidationSet = null;
        copy.EarlyStopping = null;
        copy.CheckpointDirectory = null;
        copy.TensorBoardLogDirectory = null;
        copy.Progress = null;
        copy.RecordGradientNorms = false;
        copy.PreciseBatchNormStatistics = false;
        copy.AdditionalCallbacks.Add(recorder);
        return copy;
    }

    /// <summary>The sweep's loss or weights stopped being finite; the curve so far is the answer.</summary>
    private sealed class SweepDiverged : Exception
    {
    }
}
