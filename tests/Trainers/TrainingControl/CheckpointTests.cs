using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Tests.TrainingControl;

/// <summary>Checkpoints are atomic, refuse the wrong run, and resume to bit-identical weights — also after SIGKILL, and when streaming.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mlnetdeep-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static DeepNeuralNetworkOptions Options(string? directory, int epochs, DataLoadingMode loading = DataLoadingMode.Auto) => new()
    {
        DataLoading = loading,
        // Only read by streamed runs: small enough that the shuffle buffer, not one big shuffle, orders the rows.
        ShuffleBufferRows = 40,
        HiddenLayers = new[] { 32, 16 },
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        DropoutRate = 0.2,
        Epochs = epochs,
        BatchSize = 16,
        ValidationFraction = 0.2,
        EarlyStopping = new EarlyStoppingOptions { Patience = 50 },
        LearningRateSchedule = new ReduceOnPlateauSchedule { Patience = 1, Factor = 0.5 },
        Seed = 11,
        NumberOfThreads = 1,
        CheckpointDirectory = directory,
    };

    private static IDataView Data(MLContext ml) => SyntheticData.Blobs(ml, 320, 10, 3, seed: 8, spread: 2f).Data;

    private static float[] Weights(DeepNeuralNetworkTransformer model) => model.Network.state_dict()
        .OrderBy(kv => kv.Key, StringComparer.Ordinal)
        .SelectMany(kv => kv.Value.to(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray()).ToArray();

    [Fact]
    public void EachEpochWritesOneCompleteCheckpointAtomically()
    {
        var ml = new MLContext(seed: 1);
        string dir = Path.Combine(_root, "a");
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 3)).Fit(Data(ml));
        Assert.Equal(new[] { CheckpointStore.FileName }, Directory.GetFiles(dir).Select(Path.GetFileName));
        var metadata = CheckpointStore.ReadMetadata(CheckpointStore.PathIn(dir));
        Assert.Equal(3, metadata.Epochs.Count);
        Assert.Equal(model.History.Epochs, metadata.Epochs);
        Assert.True(metadata.HasBestWeights);
        Assert.Equal(3, metadata.GradientNorms.Count);
    }

    [Fact]
    public void ResumingAFinishedRunToMoreEpochsIsBitIdenticalToOneLongRun()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml);
        using var straight = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(null, 6)).Fit(data);

        string dir = Path.Combine(_root, "b");
        using (ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 3)).Fit(data)) { }
        using var resumed = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 6)).Fit(data);

        Assert.Equal(Weights(straight), Weights(resumed));
        Assert.Equal(straight.History.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss, e.LearningRate)),
            resumed.History.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss, e.LearningRate)));
        Assert.Equal(straight.History.BestEpoch, resumed.History.BestEpoch);
    }

    [Theory]
    [InlineData(DataLoadingMode.Auto)]
    [InlineData(DataLoadingMode.Streaming)]
    public void CancellingMidEpochThenResumingIsBitIdentical(DataLoadingMode loading)
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml);
        using var straight = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(null, 5, loading)).Fit(data);

        string dir = Path.Combine(_root, "c" + loading);
        using var cancellation = new CancellationTokenSource();
        var options = Options(dir, 5, loading);
        options.AdditionalCallbacks.Add(new CancelDuringEpoch(epoch: 3, cancellation));
        Assert.ThrowsAny<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data, cancellation.Token));
        Assert.Equal(2, CheckpointStore.ReadMetadata(CheckpointStore.PathIn(dir)).Epochs.Count);

        using var resumed = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 5, loading)).Fit(data);
        Assert.Equal(Weights(straight), Weights(resumed));
        Assert.Equal(straight.History.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss)), resumed.History.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss)));
    }

    [Fact]
    public void ACheckpointOfOtherOptionsIsRefusedWithAClearError()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml);
        string dir = Path.Combine(_root, "d");
        using (ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 1)).Fit(data)) { }
        var other = Options(dir, 2);
        other.HiddenLayers = new[] { 8 };
        var error = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(other).Fit(data));
        Assert.Contains(CheckpointStore.PathIn(dir), error.Message);
        Assert.Contains("different options or data", error.Message);
    }

    [Fact]
    public void AStreamedCheckpointOfOtherRowsOrOfTheInMemoryModeIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var (data, rows) = SyntheticData.Blobs(ml, 320, 10, 3, seed: 8, spread: 2f);
        string dir = Path.Combine(_root, "streamed");
        using (ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 1, DataLoadingMode.Streaming)).Fit(data)) { }

        // The view reads the row objects lazily: the changed rows are copies, so 'data' stays as it was.
        var changedRows = rows.Select(r => new SyntheticData.ClassRow { Features = r.Features.ToArray(), Label = r.Label }).ToList();
        changedRows[300].Features[3] += 1;
        var changed = SyntheticData.ToKeyed(ml, changedRows, 10);
        var error = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 2, DataLoadingMode.Streaming)).Fit(changed));
        Assert.Contains("different options or data", error.Message);
        error = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 2, DataLoadingMode.InMemory)).Fit(data));
        Assert.Contains("different options or data", error.Message);
        using var resumed = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 2, DataLoadingMode.Streaming)).Fit(data);
        Assert.Equal(2, resumed.History.Epochs.Count);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.97)]
    [InlineData(0.03)]
    public void ATruncatedCheckpointIsAClearErrorNotACrash(double keep)
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml);
        string dir = Path.Combine(_root, "e" + keep.ToString(CultureInfo.InvariantCulture));
        using (ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 1)).Fit(data)) { }
        string path = CheckpointStore.PathIn(dir);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        var error = Assert.Throws<InvalidDataException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options(dir, 2)).Fit(data));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void SigkillDuringTrainingThenResumeGivesTheUninterruptedWeights()
    {
        string straightDir = Path.Combine(_root, "straight"), killedDir = Path.Combine(_root, "killed");
        string straightWeights = Path.Combine(_root, "straight.bin"), resumedWeights = Path.Combine(_root, "resumed.bin");
        const int Epochs = 10;

        using (var victim = StartProbe(killedDir, Epochs, Path.Combine(_root, "never.bin")))
        {
            // Wait until epoch 2 is checkpointed, then kill during epoch 3.
            var clock = Stopwatch.StartNew();
            while (!HasEpochs(killedDir, 2))
            {
                if (victim.HasExited)
                    Assert.Fail("the probe finished before it could be killed: " + victim.StandardError.ReadToEnd());
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no checkpoint after 3 minutes");
                Thread.Sleep(20);
            }
            victim.Kill(); // SIGKILL on Linux: no finally blocks, no flushing; epoch 3 is under way
            victim.WaitForExit();
        }
        int survivedEpochs = CheckpointStore.ReadMetadata(CheckpointStore.PathIn(killedDir)).Epochs.Count;
        Assert.InRange(survivedEpochs, 2, Epochs - 1);

        RunProbe(killedDir, Epochs, resumedWeights);
        RunProbe(straightDir, Epochs, straightWeights);
        Assert.Equal(File.ReadAllBytes(straightWeights), File.ReadAllBytes(resumedWeights));
    }

    [Fact]
    public void SigkillAtManyPointsAlwaysLeavesALoadableCheckpoint()
    {
        string dir = Path.Combine(_root, "many");
        using var probe = StartProbe(dir, 40, Path.Combine(_root, "many.bin"));
        int kills = 0, lastEpochs = 0;
        var random = new Random(3);
        var clock = Stopwatch.StartNew();
        while (!HasEpochs(dir, 1))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no checkpoint after 3 minutes");
            Thread.Sleep(10);
        }
        var current = probe;
        try
        {
            // Kill at random moments (including mid-write), restart, and check the file every time.
            for (kills = 0; kills < 6; kills++)
            {
                Thread.Sleep(random.Next(5, 400));
                current.Kill();
                current.WaitForExit();
                var metadata = CheckpointStore.ReadMetadata(CheckpointStore.PathIn(dir));
                Assert.True(metadata.Epochs.Count >= lastEpochs, "a kill must never lose a completed checkpoint");
                lastEpochs = metadata.Epochs.Count;
                Assert.DoesNotContain(Directory.GetFiles(dir), f => !f.EndsWith(CheckpointStore.FileName, StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal));
                if (current != probe)
                    current.Dispose();
                current = StartProbe(dir, 40, Path.Combine(_root, "many.bin"));
            }
        }
        finally
        {
            if (!current.HasExited)
                current.Kill();
            current.WaitForExit();
            current.Dispose();
        }
        Assert.Equal(6, kills);

        // A run that starts cleans up the temporary files that killed writers left behind.
        RunProbe(dir, lastEpochs, Path.Combine(_root, "many.bin"));
        Assert.Equal(new[] { CheckpointStore.FileName }, Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    private static bool HasEpochs(string dir, int epochs)
    {
        string path = CheckpointStore.PathIn(dir);
        if (!File.Exists(path))
            return false;
        try
        {
            return CheckpointStore.ReadMetadata(path).Epochs.Count >= epochs;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return false; // a rename can race with the read; the next poll sees the complete file
        }
    }

    private static Process StartProbe(string dir, int epochs, string weights) => Process.Start(TrainingProbeRunner.StartInfo(dir, epochs, weights))!;

    private static void RunProbe(string dir, int epochs, string weights) => TrainingProbeRunner.Run(TrainingProbeRunner.StartInfo(dir, epochs, weights));
}
