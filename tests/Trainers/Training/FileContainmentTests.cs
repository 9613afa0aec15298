using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using MLNetDeep.Datasets;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Training writes only into the folders the user configured (checkpoints, TensorBoard logs, the dataset
/// cache, and ML.NET's temporary folder for the ONNX graph while a model lives), and nothing stays behind
/// in the temporary folder once the model is disposed.
/// </summary>
public sealed class FileContainmentTests : IDisposable
{
    private readonly string _sandbox = Directory.CreateTempSubdirectory("mlnetdeep-sandbox-").FullName;

    public void Dispose() => Directory.Delete(_sandbox, recursive: true);

    private string[] FilesOutside(params string[] allowed) => Directory
        .EnumerateFiles(_sandbox, "*", SearchOption.AllDirectories)
        .Where(f => !allowed.Any(a => f.StartsWith(a + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        .ToArray();

    [Fact]
    [Trait("Reliability", "F-09")]
    public void FitSaveLoadAndDisposeWriteOnlyIntoTheConfiguredFolders()
    {
        string checkpoints = Path.Combine(_sandbox, "checkpoints"), logs = Path.Combine(_sandbox, "tensorboard"), temp = Path.Combine(_sandbox, "tmp");
        string previous = Directory.GetCurrentDirectory();
        // A relative path anywhere would land in the working folder, so it is the sandbox too.
        Directory.SetCurrentDirectory(_sandbox);
        try
        {
            var trained = new TrainedModel(new MLContext(seed: 1) { TempFilePath = temp });
            trained.Model.Dispose();
            var ml = trained.Context;
            var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
            {
                HiddenLayers = new[] { 8 }, Epochs = 2, Seed = 1, ValidationFraction = 0.2,
                CheckpointDirectory = checkpoints, TensorBoardLogDirectory = logs,
            }).Fit(trained.Data);
            Assert.Single(Directory.GetFiles(temp));
            var loaded = trained.Load();
            Assert.Equal(2, Directory.GetFiles(temp).Length);
            Assert.Empty(FilesOutside(checkpoints, logs, temp));

            model.Dispose();
            ((IDisposable)loaded).Dispose();
            Assert.Empty(Directory.GetFiles(temp));
            Assert.Equal(new[] { CheckpointStore.FileName }, Directory.GetFiles(checkpoints).Select(Path.GetFileName));
            Assert.NotEmpty(Directory.GetFiles(logs, "*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Fact]
    [Trait("Reliability", "F-10")]
    public void ATrainingProcessLeavesFilesOnlyInItsCheckpointFolder()
    {
        // HOME, the temp folder, the cache folder and the working folder all point into the sandbox, so a
        // write anywhere but the checkpoint folder shows up as a stray file there.
        string checkpoints = Path.Combine(_sandbox, "checkpoints"), weights = Path.Combine(Path.GetTempPath(), $"mlnetdeep-weights-{Guid.NewGuid():N}.bin");
        foreach (var folder in new[] { "home", "tmp", "cache" })
            Directory.CreateDirectory(Path.Combine(_sandbox, folder));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _sandbox };
        foreach (var arg in new[] { TrainingProbePath, checkpoints, "2", weights })
            start.ArgumentList.Add(arg);
        start.Environment["HOME"] = Path.Combine(_sandbox, "home");
        start.Environment["TMPDIR"] = Path.Combine(_sandbox, "tmp");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(_sandbox, "cache");
        // Not the library's writes: the runtime's diagnostics socket in TMPDIR while the process runs, and ONNX
        // Runtime's telemetry (1.29 and later on Linux: XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime and
        // TMPDIR/.ses), which only ORT_DISABLE_TELEMETRY=1 turns off. docs/reliability.md says so.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        start.Environment["ORT_DISABLE_TELEMETRY"] = "1";
        try
        {
            using var process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(300_000), "the probe did not finish in 5 minutes");
            Assert.True(process.ExitCode == 0, $"probe exited {process.ExitCode}: {stdout}\n{stderr}");
            Assert.True(FilesOutside(checkpoints).Length == 0, string.Join("\n", FilesOutside(checkpoints)));
            Assert.Equal(new[] { CheckpointStore.FileName }, Directory.GetFiles(checkpoints).Select(Path.GetFileName));
        }
        finally
        {
            File.Delete(weights);
        }
    }

    [Fact]
    [Trait("Reliability", "F-11")]
    public void ADownloadWritesOnlyIntoTheCacheFolder()
    {
        string cache = SyntheticIdx.WritePlaceholders(Directory.CreateDirectory(Path.Combine(_sandbox, "cache")).FullName, except: FashionMnist.TrainLabels);
        using var server = new LoopbackFileServer(RealFashionMnistFixture.Directory);
        FashionMnist.Download(cache, new FashionMnistOptions { BaseUrl = server.BaseUrl });
        Assert.Empty(FilesOutside(cache));
        Assert.Equal(FashionMnist.Files.Select(f => f.FileName).Order(), Directory.GetFileSystemEntries(cache).Select(Path.GetFileName).Order());
    }

    [Fact]
    [Trait("Reliability", "F-12")]
    public void ACheckpointDirectoryThatBecameAFileAfterCreationFailsAtFitNamingIt()
    {
        string path = Path.Combine(_sandbox, "not-a-folder");
        var options = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 4 }, Epochs = 1, CheckpointDirectory = path };
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options);
        File.WriteAllText(path, "a file where the folder should be");
        var error = Assert.ThrowsAny<ArgumentException>(() => trainer.Fit(MLNetDeep.Tests.Support.SyntheticData.Blobs(ml, 30, 4, 3, seed: 1).Data));
        Assert.Contains($"DeepNeuralNetworkOptions.CheckpointDirectory is '{path}'", error.Message);
        Assert.Contains("existing file", error.Message);
    }

    private static string TrainingProbePath => typeof(FileContainmentTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TrainingProbePath").Value!;
}
