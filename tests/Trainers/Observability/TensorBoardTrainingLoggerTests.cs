using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Observability;

/// <summary>The Keras-style layout: train and validation runs sharing tags, step = epoch.</summary>
public sealed class TensorBoardTrainingLoggerTests
{
    [Fact]
    public void Epochs_GoToTrainAndValidationRuns_UnderKerasTags()
    {
        using var dir = new TempDirectory();
        using (var logger = new TensorBoardTrainingLogger(dir.Path))
        {
            logger.LogGradientNorms(new GradientNormRecord(1, new Dictionary<string, double> { ["dense_1"] = 0.125, ["output"] = 2 }));
            logger.LogEpoch(new EpochRecord(1, 1.5, 0.5, 1.75, 0.25, 0.001, 3), "accuracy");
            logger.LogEpoch(new EpochRecord(2, 1.0, 0.75, 1.25, 0.5, 0.0005, 3), "accuracy");
        }

        var train = ReadRun(dir.Path, "train");
        Assert.Equal(
            [("gradient_norm/dense_1", 1L, 0.125f), ("gradient_norm/output", 1L, 2f),
             ("epoch_loss", 1L, 1.5f), ("epoch_accuracy", 1L, 0.5f), ("epoch_learning_rate", 1L, 0.001f),
             ("epoch_loss", 2L, 1.0f), ("epoch_accuracy", 2L, 0.75f), ("epoch_learning_rate", 2L, 0.0005f)],
            train);
        Assert.Equal(
            [("epoch_loss", 1L, 1.75f), ("epoch_accuracy", 1L, 0.25f), ("epoch_loss", 2L, 1.25f), ("epoch_accuracy", 2L, 0.5f)],
            ReadRun(dir.Path, "validation"));
    }

    [Fact]
    public void WithoutValidationData_NoValidationRunIsCreated()
    {
        using var dir = new TempDirectory();
        using var logger = new TensorBoardTrainingLogger(dir.Path);
        logger.LogEpoch(new EpochRecord(1, 1.5, 0.5, null, null, 0.001, 3), "rmse");

        // LogEpoch flushed: the run is readable before the logger is disposed.
        Assert.Contains(("epoch_rmse", 1L, 0.5f), ReadRun(dir.Path, "train"));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "validation")));
    }

    private static List<(string, long, float)> ReadRun(string logDirectory, string run)
    {
        var file = Assert.Single(Directory.GetFiles(Path.Combine(logDirectory, run), "events.out.tfevents.*"));
        return TensorBoardEventReader.Read(file).Scalars.Select(s => (s.Tag, s.Step, s.Value)).ToList();
    }
}
