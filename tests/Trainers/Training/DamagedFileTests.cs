using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Truncated, corrupted and wrong-kind model zips, ONNX graphs and checkpoints give an exception, never a
/// crash, and never a model that scores differently without saying so (except where a format has no
/// checksum: raw ONNX, documented in docs/reliability.md). Truncated checkpoints and SIGKILL mid-write
/// are covered by CheckpointTests.
/// </summary>
public sealed class DamagedFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly TrainedModel _trained = new();
    private readonly string _root = Directory.CreateTempSubdirectory("mlnetdeep-damaged-").FullName;

    public void Dispose()
    {
        _trained.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.02)]
    [InlineData(0.5)]
    [InlineData(0.98)]
    [Trait("Reliability", "F-01")]
    public void ATruncatedModelZipFailsToLoad(double keep)
    {
        var bytes = _trained.ZipBytes[..(int)(_trained.ZipBytes.Length * keep)];
        var error = Assert.ThrowsAny<Exception>(() => _trained.Load(bytes));
        output.WriteLine($"{keep:P0}: {Describe(error)}");
    }

    [Fact]
    [Trait("Reliability", "F-02")]
    public void ACorruptedModelZipCanLoadSilentlyButModelZipVerifyCatchesEveryChange()
    {
        // Neither ML.NET nor .NET's ZipArchive checks an entry's CRC-32 when reading, so some flipped bytes load
        // and score differently without an error. ModelZip.Verify checks the CRCs: after it passes, a zip
        // either fails to load or scores exactly as the original.
        var expected = TrainedModel.Scores(_trained.Load(), _trained.Data);
        int rejected = 0, failedToLoad = 0, identical = 0, silentlyChanged = 0;
        for (int position = 0; position < _trained.ZipBytes.Length; position += Math.Max(1, _trained.ZipBytes.Length / 150))
        {
            var bytes = (byte[])_trained.ZipBytes.Clone();
            bytes[position] ^= 0xA5;
            bool verified = true;
            try
            {
                ModelZip.Verify(new MemoryStream(bytes));
            }
            catch (InvalidDataException)
            {
                verified = false;
                rejected++;
            }
            try
            {
                bool same = expected.Zip(TrainedModel.Scores(_trained.Load(bytes), _trained.Data)).All(p => p.First.SequenceEqual(p.Second));
                if (same)
                {
                    identical++;
                }
                else
                {
                    silentlyChanged++;
                    Assert.False(verified, $"ModelZip.Verify passed a zip whose byte {position} changes the scores");
                }
            }
            catch (Exception error) when (error is not Xunit.Sdk.XunitException)
            {
                failedToLoad++;
            }
        }
        output.WriteLine($"Zip flips: ModelZip.Verify rejected {rejected}; Model.Load then failed on {failedToLoad}, scored identically on {identical}, scored differently without an error on {silentlyChanged}");
        Assert.True(rejected > identical);
        ModelZip.Verify(new MemoryStream(_trained.ZipBytes));
    }

    [Fact]
    [Trait("Reliability", "F-08")]
    public void ModelZipVerifyNamesTheFileAndTheDamagedEntry()
    {
        string path = Path.Combine(_root, "model.zip");
        File.WriteAllBytes(path, _trained.ZipBytes[..(_trained.ZipBytes.Length / 2)]);
        Assert.Contains($"'{path}' cannot be read as a zip", Assert.Throws<InvalidDataException>(() => ModelZip.Verify(path)).Message);

        // The first flip that leaves the zip readable but an entry's bytes different from its CRC.
        string? message = null;
        for (int position = 0; position < _trained.ZipBytes.Length && message is null; position++)
        {
            var bytes = (byte[])_trained.ZipBytes.Clone();
            bytes[position] ^= 0x01;
            File.WriteAllBytes(path, bytes);
            try
            {
                ModelZip.Verify(path);
            }
            catch (InvalidDataException error) when (error.Message.Contains("has CRC-32", StringComparison.Ordinal))
            {
                message = error.Message;
            }
            catch (InvalidDataException)
            {
            }
        }
        Assert.NotNull(message);
        Assert.Contains($"'{path}' is damaged: entry '", message);

        File.WriteAllBytes(path, _trained.ZipBytes);
        ModelZip.Verify(path);
    }

    [Fact]
    [Trait("Reliability", "F-03")]
    public void AFileThatIsNotAModelZipFailsToLoad()
    {
        using var otherZip = new MemoryStream();
        using (var archive = new ZipArchive(otherZip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(archive.CreateEntry("readme.txt").Open());
            writer.Write("not a model");
        }
        var candidates = new Dictionary<string, byte[]>
        {
            ["empty"] = Array.Empty<byte>(),
            ["text"] = "a text file"u8.ToArray(),
            ["onnx"] = _trained.OnnxBytes,
            ["other zip"] = otherZip.ToArray(),
        };
        foreach (var (name, bytes) in candidates)
        {
            var error = Assert.ThrowsAny<Exception>(() => _trained.Load(bytes));
            output.WriteLine($"{name}: {Describe(error)}");
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    [Trait("Reliability", "F-04")]
    public void ATruncatedOnnxGraphIsAClearErrorAndLeavesNoTemporaryFile(double keep)
    {
        var bytes = _trained.OnnxBytes[..(int)(_trained.OnnxBytes.Length * keep)];
        var ml = new MLContext(seed: 1) { TempFilePath = Path.Combine(_root, "tmp") };
        var error = Assert.Throws<InvalidDataException>(() => OnnxScoringChain.CreateOnnxTransformer(ml, bytes, "Features", "Output", _trained.Data.Schema));
        Assert.Contains($"ONNX Runtime could not load the {bytes.Length}-byte ONNX model for column 'Features'", error.Message);
        Assert.Contains("damaged or are not an ONNX model", error.Message);
        Assert.Empty(Directory.GetFiles(ml.TempFilePath));
        Assert.ThrowsAny<OnnxRuntimeException>(() => new InferenceSession(bytes).Dispose());
    }

    [Fact]
    [Trait("Reliability", "F-05")]
    public void CorruptedOnnxBytesFailOrScoreButNeverCrash()
    {
        // ONNX has no checksum: a flip inside a weight changes the scores without an error. The test counts
        // both outcomes (the figures are in docs/reliability.md) and checks that nothing crashes the process.
        var ml = new MLContext(seed: 1) { TempFilePath = Path.Combine(_root, "tmp") };
        const string Output = DeepNeuralNetworkTrainerBase<MulticlassDeepNeuralNetworkTransformer>.NetworkOutputColumnName;
        float[][] Score(byte[] onnx)
        {
            var transformer = OnnxScoringChain.CreateOnnxTransformer(ml, onnx, "Features", Output, _trained.Data.Schema);
            try
            {
                return transformer.Transform(_trained.Data).GetColumn<float[]>(Output).ToArray();
            }
            finally
            {
                OnnxScoringChain.Release(transformer);
            }
        }
        var expected = Score(_trained.OnnxBytes);
        int failed = 0, identical = 0, changed = 0;
        for (int position = 0; position < _trained.OnnxBytes.Length; position += Math.Max(1, _trained.OnnxBytes.Length / 120))
        {
            var bytes = (byte[])_trained.OnnxBytes.Clone();
            bytes[position] ^= 0xA5;
            try
            {
                if (Score(bytes).Zip(expected).All(p => p.First.SequenceEqual(p.Second)))
                    identical++;
                else
                    changed++;
            }
            catch (Exception error) when (error is not Xunit.Sdk.XunitException)
            {
                failed++;
            }
        }
        output.WriteLine($"ONNX flips: {failed} failed, {identical} identical, {changed} scored differently without an error");
        Assert.True(failed > 0);
        Assert.Empty(Directory.GetFiles(ml.TempFilePath));
    }

    [Fact]
    [Trait("Reliability", "F-06")]
    public void ACheckpointCorruptedInTheMiddleIsRefusedByItsHash()
    {
        string dir = TrainWithCheckpoint("middle");
        string path = CheckpointStore.PathIn(dir);
        var bytes = File.ReadAllBytes(path);
        // Beyond the metadata, inside the tensor data: the bytes still parse, as different weights.
        bytes[bytes.Length * 2 / 3] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => Resume(dir));
        Assert.Contains(path, error.Message);
        Assert.Contains("SHA-256 does not match", error.Message);
    }

    [Theory]
    [InlineData("magic")]
    [InlineData("version")]
    [InlineData("empty")]
    [InlineData("json")]
    [Trait("Reliability", "F-07")]
    public void ACheckpointOfTheWrongKindOrVersionIsNamed(string damage)
    {
        string dir = TrainWithCheckpoint(damage);
        string path = CheckpointStore.PathIn(dir);
        var bytes = File.ReadAllBytes(path);
        string expected;
        switch (damage)
        {
            case "magic":
                "PK\u0003\u0004"u8.CopyTo(bytes);
                expected = "is not an MLNetDeep checkpoint (wrong magic bytes)";
                break;
            case "version":
                BitConverter.GetBytes(99).CopyTo(bytes, 8);
                expected = "has format version 99; this MLNetDeep reads version 3";
                break;
            case "empty":
                bytes = Array.Empty<byte>();
                expected = "is not an MLNetDeep checkpoint";
                break;
            default:
                bytes[20] ^= 0x20;
                expected = "SHA-256 does not match";
                break;
        }
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => Resume(dir));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    private static DeepNeuralNetworkOptions CheckpointOptions(string dir, int epochs) => new()
    {
        HiddenLayers = new[] { 8 }, Epochs = epochs, BatchSize = 16, Seed = 3, CheckpointDirectory = dir,
        EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.TrainingLoss, Patience = 10 },
    };

    private string TrainWithCheckpoint(string name)
    {
        string dir = Path.Combine(_root, name);
        using (_trained.Context.MulticlassClassification.Trainers.DeepNeuralNetwork(CheckpointOptions(dir, 1)).Fit(_trained.Data))
        {
        }
        return dir;
    }

    private void Resume(string dir) =>
        _trained.Context.MulticlassClassification.Trainers.DeepNeuralNetwork(CheckpointOptions(dir, 2)).Fit(_trained.Data).Dispose();

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null)
            error = error.InnerException;
        return error;
    }

    private static string Describe(Exception error) =>
        $"{error.GetType().Name} → innermost {Innermost(error).GetType().Name}: {Innermost(error).Message}";
}
