using System.Text.RegularExpressions;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Observability;

/// <summary>What the writer puts in an event file comes back through the reader unchanged.</summary>
public sealed class TensorBoardWriterTests
{
    [Fact]
    public void Scalars_RoundTripExactly_AfterTheFileVersionEvent()
    {
        using var dir = new TempDirectory();
        var written = new List<(string Tag, long Step, float Value)>
        {
            ("epoch_loss", 1, 2.3025851f), ("epoch_accuracy", 1, 0.1015625f),
            ("epoch_loss", 2, 0.6931472f), ("epoch_accuracy", 2, 0.875f),
            ("gradient_norm/dense_1", 3, 1.5e-7f), ("neg", -4, -123.456f), ("big_step", long.MaxValue, float.MaxValue),
        };
        string path;
        using (var writer = new TensorBoardWriter(dir.Path, () => 1_700_000_000.25))
        {
            path = writer.FilePath;
            foreach (var (tag, step, value) in written)
            {
                writer.AddScalar(tag, step, value);
            }
        }

        var events = TensorBoardEventReader.Read(path);

        Assert.Equal("brain.Event:2", events.FileVersion);
        Assert.Equal(written.Count + 1, events.EventCount);
        Assert.Equal(written, events.Scalars.Select(s => (s.Tag, s.Step, s.Value)));
        Assert.All(events.Scalars, s => Assert.Equal(1_700_000_000.25, s.WallTime));
        Assert.Matches($@"^events\.out\.tfevents\.1700000000\.[A-Za-z0-9_-]+\.{Environment.ProcessId}\.\d+$", Path.GetFileName(path));
        Assert.Equal(Path.GetFullPath(dir.Path), Path.GetDirectoryName(path));
    }

    [Fact]
    public void Histograms_RoundTrip_WithTensorFlowsBuckets()
    {
        using var dir = new TempDirectory();
        float[] values = [-1f, 0f, 0.5f, 2f, 2f, 1e-13f, 3e30f, float.NaN, float.PositiveInfinity];
        string path;
        using (var writer = new TensorBoardWriter(dir.Path))
        {
            path = writer.FilePath;
            Assert.True(writer.AddHistogram("weights/dense_1", 7, values));
        }

        var histogram = Assert.Single(TensorBoardEventReader.Read(path).Histograms);

        Assert.Equal(("weights/dense_1", 7L), (histogram.Tag, histogram.Step));
        double[] finite = [-1, 0, 0.5, 2, 2, 1e-13f, 3e30f];
        Assert.Equal(finite.Length, histogram.Count);
        Assert.Equal(-1, histogram.Min);
        Assert.Equal(3e30f, histogram.Max);
        Assert.Equal(finite.Sum(), histogram.Sum);
        Assert.Equal(finite.Sum(v => v * v), histogram.SumSquares);

        // Every bucket [previous limit, limit) holds exactly the values in it; the last limit is +double.MaxValue.
        Assert.Equal(histogram.BucketLimits.Order(), histogram.BucketLimits);
        Assert.Equal(double.MaxValue, histogram.BucketLimits[^1]);
        for (var i = 0; i < histogram.BucketLimits.Count; i++)
        {
            var lower = i == 0 ? double.NegativeInfinity : histogram.BucketLimits[i - 1];
            Assert.Equal(finite.Count(v => v >= lower && v < histogram.BucketLimits[i]), histogram.BucketCounts[i]);
        }
        // Only edges of TensorFlow's default layout appear, and empty runs are merged, so the list stays short.
        Assert.All(histogram.BucketLimits, limit => Assert.Contains(limit, HistogramBuckets.DefaultLimits));
        Assert.True(histogram.BucketLimits.Count <= 2 * 6 + 1, $"{histogram.BucketLimits.Count} buckets for 6 distinct values");
        // 3e30 lies past the last finite edge (about 1e20): TensorFlow's catch-all bucket up to double.MaxValue takes it.
        Assert.Equal(1, histogram.BucketCounts[^1]);
    }

    [Fact]
    public void DefaultBucketLimits_AreTensorFlows()
    {
        var limits = HistogramBuckets.DefaultLimits;
        // 774 edges from 1e-12 growing by 10% below 1e20, double.MaxValue, mirrored, and 0.
        Assert.Equal(2 * (774 + 1) + 1, limits.Length);
        Assert.Equal(0.0, limits[limits.Length / 2]);
        Assert.Equal(1e-12, limits[limits.Length / 2 + 1]);
        Assert.Equal(1.1e-12, limits[limits.Length / 2 + 2], 1e-24);
        Assert.Equal(-double.MaxValue, limits[0]);
        Assert.Equal(limits.Select(l => -l).Reverse(), limits);
    }

    [Fact]
    public void Histogram_OfOnlyNonFiniteValues_WritesNothing_AndAnEmptyOneIsRefused()
    {
        using var dir = new TempDirectory();
        using var writer = new TensorBoardWriter(dir.Path);
        Assert.False(writer.AddHistogram("h", 1, [float.NaN, float.NegativeInfinity]));
        var error = Assert.Throws<ArgumentException>(() => writer.AddHistogram("h", 2, ReadOnlySpan<float>.Empty));
        Assert.Contains("'h' at step 2 has no values", error.Message);
        writer.Flush();
        Assert.Equal(1, TensorBoardEventReader.Read(writer.FilePath).EventCount);
    }

    [Fact]
    public void FlushedEvents_AreOnDisk_WhileTheWriterIsStillOpen()
    {
        using var dir = new TempDirectory();
        using var writer = new TensorBoardWriter(dir.Path);
        writer.AddScalar("epoch_loss", 1, 0.5);
        writer.Flush();

        var events = TensorBoardEventReader.Read(writer.FilePath);

        Assert.Equal(0.5f, Assert.Single(events.Scalars).Value);
    }

    [Fact]
    public void TwoWritersInOneFolderAndSecond_GetTheirOwnFiles()
    {
        using var dir = new TempDirectory();
        using var first = new TensorBoardWriter(dir.Path, () => 42);
        using var second = new TensorBoardWriter(dir.Path, () => 42);
        Assert.NotEqual(first.FilePath, second.FilePath);
        Assert.Equal(2, Directory.GetFiles(dir.Path, "events.out.tfevents.42.*").Length);
    }

    [Fact]
    public void MisuseFails_WithClearErrors()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentException>(() => new TensorBoardWriter(" "));
        var writer = new TensorBoardWriter(dir.Path);
        Assert.Contains("non-blank", Assert.Throws<ArgumentException>(() => writer.AddScalar("", 1, 1)).Message);
        writer.Dispose();
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.AddScalar("loss", 1, 1));
        Assert.Throws<ObjectDisposedException>(() => writer.Flush());
    }
}
