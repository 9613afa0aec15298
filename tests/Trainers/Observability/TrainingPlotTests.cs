using System.Buffers.Binary;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Observability;

/// <summary>Both training plots render headless to PNG files of the requested size.</summary>
public sealed class TrainingPlotTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void LearningCurves_WritesAPngOfTheRequestedSize()
    {
        using var dir = new TempDirectory();
        var epochs = Enumerable.Range(1, 12)
            .Select(e => new EpochRecord(e, 2.0 / e, 1 - 0.5 / e, 2.2 / e + 0.01 * e, 0.95 - 0.5 / e, 0.001, 1.5))
            .ToList();
        var history = new TrainingHistory(epochs, "accuracy", bestEpoch: 9, stoppedEarly: true);
        var path = Path.Combine(dir.Path, "plots", "learning-curves.png");

        LearningCurves.Save(history, path, 900, 420);

        AssertPng(path, 900, 420);
    }

    [Fact]
    public void LearningCurves_WithoutValidation_AndWithADivergedEpoch_StillDraw()
    {
        using var dir = new TempDirectory();
        var epochs = new List<EpochRecord>
        {
            new(1, 1.0, 3.0, null, null, 0.01, 1),
            new(2, double.NaN, double.PositiveInfinity, null, null, 0.01, 1),
        };
        var path = Path.Combine(dir.Path, "lc.png");

        LearningCurves.Save(new TrainingHistory(epochs, "rmse", 1, false), path);

        AssertPng(path, 1200, 500);
    }

    [Fact]
    public void GradientNormPlot_WritesAPngOfTheRequestedSize()
    {
        using var dir = new TempDirectory();
        var records = Enumerable.Range(1, 10).Select(e => new GradientNormRecord(e, new Dictionary<string, double>
        {
            ["dense_1"] = 1e-4 * Math.Exp(-e / 5.0),
            ["dense_2"] = 1e-2,
            ["output"] = 1.0 / e,
            ["dead"] = 0,
        })).ToList();
        var path = Path.Combine(dir.Path, "gradient-norms.png");

        GradientNormPlot.Save(records, path, 640, 480);

        AssertPng(path, 640, 480);
    }

    [Fact]
    public void BadInputs_FailBeforeDrawing_WithClearErrors()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "x.png");
        var empty = new TrainingHistory([], "accuracy", 0, false);
        Assert.Contains("no epochs", Assert.Throws<ArgumentException>(() => LearningCurves.Save(empty, path)).Message);
        var zeros = new[] { new GradientNormRecord(1, new Dictionary<string, double> { ["dense_1"] = 0 }) };
        Assert.Contains("positive finite norm", Assert.Throws<ArgumentException>(() => GradientNormPlot.Save(zeros, path)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientNormPlot.Save(zeros, path, 10, 10));
        Assert.False(File.Exists(path));
    }

    /// <summary>A PNG signature, an IHDR of the given size, and more than a blank image's bytes.</summary>
    private static void AssertPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        // A blank image of this size compresses to a few KB; axes, text and curves take several times that.
        Assert.True(bytes.Length > 15_000, $"'{path}' is only {bytes.Length} bytes");
    }
}
