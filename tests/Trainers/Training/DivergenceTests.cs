using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Schedules;
using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Training never hands back a silently broken model: it returns finite scores or throws
/// <see cref="TrainingDivergedException"/>. Divergence mid-epoch is covered by TrainingControlTests.
/// </summary>
public sealed class DivergenceTests
{
    private static (MLContext Ml, IDataView Data) Blobs(int rows)
    {
        var ml = new MLContext(seed: 1);
        return (ml, SyntheticData.Blobs(ml, rows, 6, classes: 3, seed: 21, spread: 1.5f).Data);
    }

    [Fact]
    [Trait("Reliability", "V-01")]
    public void WeightsBrokenByTheLastStepOfTheLastEpochAreCaught()
    {
        // One batch per epoch and an absurd rate only in the last epoch: the loss before that step is finite,
        // and no later loss is computed. The weights stay finite (about 1e29), but the outputs overflow.
        var (ml, data) = Blobs(rows: 32);
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 8 }, Epochs = 2, BatchSize = 32, Seed = 2, Optimizer = OptimizerKind.Sgd, RecordGradientNorms = false,
            LearningRateSchedule = new PiecewiseConstantSchedule(new long[] { 1 }, new[] { 0.01, 1e30 }),
        });
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
        Assert.Equal(2, error.Epoch);
        Assert.Equal(2, error.Step);
        Assert.True(double.IsFinite(error.Loss));
        Assert.Contains("the network's outputs for the first 32 training rows became NaN or infinite at epoch 2, step 2", error.Message);
        Assert.Contains("learning rate", error.Message);
        using var best = Assert.IsAssignableFrom<DeepNeuralNetworkTransformer>(error.BestModel);
        Assert.Equal(1, best.History.BestEpoch);
        Assert.All(TrainedModel.Scores(best, data), s => Assert.All(s, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    [Trait("Reliability", "V-02")]
    public void BrokenWeightsAreNeverCheckpointed()
    {
        var (ml, data) = Blobs(rows: 32);
        string dir = Directory.CreateTempSubdirectory("mlnetdeep-diverge-").FullName;
        try
        {
            var options = new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 8 }, Epochs = 3, BatchSize = 32, Seed = 2, CheckpointDirectory = dir, RecordGradientNorms = false,
            };
            options.AdditionalCallbacks.Add(new PoisonWeights(epoch: 2));
            var error = Assert.Throws<TrainingDivergedException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data));
            error.BestModel?.Dispose();
            Assert.Contains("'hidden1.linear.weight'", error.Message);
            var checkpoint = MLNetDeep.Trainers.Checkpoints.CheckpointStore.ReadMetadata(MLNetDeep.Trainers.Checkpoints.CheckpointStore.PathIn(dir));
            Assert.Single(checkpoint.Epochs);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static TheoryData<OptimizerKind, double> Extremes()
    {
        var data = new TheoryData<OptimizerKind, double>();
        foreach (var optimizer in Enum.GetValues<OptimizerKind>())
        {
            data.Add(optimizer, 1e4);
            data.Add(optimizer, 1e30);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Extremes))]
    [Trait("Reliability", "V-03")]
    public void AnAbsurdLearningRateEitherThrowsOrGivesFiniteScores(OptimizerKind optimizer, double learningRate)
    {
        var (ml, data) = Blobs(rows: 96);
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 16 }, Epochs = 3, BatchSize = 16, Seed = 2, Optimizer = optimizer, LearningRate = learningRate, RecordGradientNorms = false,
        });
        DeepNeuralNetworkTransformer? model;
        try
        {
            model = trainer.Fit(data);
        }
        catch (TrainingDivergedException diverged)
        {
            model = diverged.BestModel;
        }
        using (model)
        {
            if (model is not null)
                Assert.All(TrainedModel.Scores(model, data), s => Assert.All(s, v => Assert.True(float.IsFinite(v), $"{optimizer} at {learningRate} returned a NaN score")));
        }
    }

    /// <summary>Writes NaN into the first layer's weights after the last batch of one epoch.</summary>
    private sealed class PoisonWeights : TrainingCallback
    {
        private readonly int _epoch;

        public PoisonWeights(int epoch) => _epoch = epoch;

        public override void OnBatchEnd(TrainingState state)
        {
            if (state.Epoch != _epoch)
                return;
            using var _ = TorchSharp.torch.no_grad();
            state.Network.parameters().First().fill_(float.NaN);
        }
    }
}
