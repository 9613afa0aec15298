using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Chapter11;
using MLNetDeep.Datasets;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Trainers.Tests.Samples;

/// <summary>
/// Every samples/Chapter11 experiment runs in --quick mode on small synthetic Fashion-MNIST files and writes its table,
/// its numbers (finite; accuracies in [0, 1]; gradient norms >= 0; rates and losses > 0) and its PNG plots.
/// </summary>
public sealed class Chapter11QuickTests
{
    [Fact]
    public void EveryExperimentsQuickModeWritesItsTableNumbersAndPlots()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        WriteLearnableDataset(data.Path, trainCount: 2_500, testCount: 500);

        int exitCode = Chapter11App.Run(new[] { "all", "--quick", "--data", data.Path, "--output", output.Path, "--threads", "1", "--rates", "0.002" });

        Assert.Equal(0, exitCode);
        Assert.Equal(9, Chapter11App.Experiments.Count);
        foreach (var experiment in Chapter11App.Experiments.Keys)
        {
            string folder = Path.Combine(output.Path, experiment);
            string markdown = File.ReadAllText(Path.Combine(folder, "results.md"));
            Assert.StartsWith("# ", markdown);
            Assert.Contains("| --- |", markdown);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "results.json")));
            var numbers = json.RootElement.GetProperty("Numbers").EnumerateObject().ToList();
            Assert.NotEmpty(numbers);
            foreach (var number in numbers)
            {
                double value = number.Value.GetDouble();
                Assert.True(double.IsFinite(value), $"{experiment}: {number.Name} = {value}");
                if (number.Name.Contains("accuracy", StringComparison.Ordinal))
                    Assert.InRange(value, 0, 1);
                else if (number.Name.Contains("gradient norm", StringComparison.Ordinal))
                    Assert.True(value >= 0, $"{experiment}: {number.Name} = {value} should be >= 0 (a vanished gradient is 0)");
                else
                    Assert.True(value > 0, $"{experiment}: {number.Name} = {value} should be > 0");
            }
            var plots = json.RootElement.GetProperty("Plots").EnumerateArray().Select(p => p.GetString()!).ToList();
            Assert.NotEmpty(plots);
            foreach (var plot in plots)
            {
                var bytes = File.ReadAllBytes(Path.Combine(folder, plot));
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4));
            }
            Assert.Empty(Directory.GetFiles(folder, "*.tmp*"));
        }
        // The numbers are about learning, not just finite: ten separable synthetic classes are learnt well above chance.
        using var activations = JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, "activations", "results.json")));
        Assert.True(activations.RootElement.GetProperty("Numbers").GetProperty("ReLU/test accuracy").GetDouble() > 0.5);
        // The book's SELU-vs-ReLU figures are for plain SGD; with momentum 0.9 the 100-layer nets train erratically.
        using var vanishing = JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, "vanishing-gradients", "results.json")));
        Assert.EndsWith(", plain SGD", vanishing.RootElement.GetProperty("Title").GetString());

        // lr-finder trains the rates asked for with --rates as constant rates.
        using var finder = JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, "lr-finder", "results.json")));
        Assert.InRange(finder.RootElement.GetProperty("Numbers").GetProperty("constant 0.002/test accuracy").GetDouble(), 0.5, 1);

        // callbacks: the interrupted run resumed where it stopped and ended bit-identical to the uninterrupted one; the
        // TensorBoard files hold what the history holds; early stopping restored an epoch it trained.
        using var callbacks = JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, "callbacks", "results.json")));
        var c = callbacks.RootElement.GetProperty("Numbers");
        double Number(string name) => c.GetProperty(name).GetDouble();
        Assert.Equal(3, Number("resume/interrupted after epoch"));
        Assert.Equal(4, Number("resume/first epoch of the resumed fit"));
        Assert.Equal(6, Number("resume/epochs"));
        Assert.Equal(1, Number("resume/weights identical (1 = yes, 2 = no)"));
        Assert.Equal(1, Number("resume/test scores identical (1 = yes, 2 = no)"));
        Assert.Equal(1, Number("resume/history identical (1 = yes, 2 = no)"));
        Assert.Equal(Number("without early stopping/test accuracy"), Number("resume/test accuracy"));
        Assert.Equal(4, Number("tensorboard/event files"));
        Assert.Equal(1, Number("tensorboard/epoch_loss equals history (1 = yes, 2 = no)"));
        Assert.InRange(Number("early stopping/best epoch"), 1, Number("early stopping/epochs"));
        Assert.InRange(Number("early stopping/epochs"), 1, 6);
        Assert.True(Directory.GetFiles(Path.Combine(output.Path, "callbacks", "checkpoints")).Length > 0);
    }

    [Theory]
    [InlineData("0.001,x", "'x'")]
    [InlineData("0.001,-0.5", "'-0.5'")]
    [InlineData("0", "'0'")]
    public void RatesThatAreNotPositiveNumbersAreRefusedByName(string rates, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => ExperimentSettings.Parse(new[] { "--rates", rates }));
        Assert.Contains("--rates is " + rates, error.Message);
        Assert.Contains(named + " is not a learning rate", error.Message);
        Assert.Equal(new[] { 0.0005, 0.001 }, ExperimentSettings.Parse(new[] { "--rates", "0.0005,0.001" }).ConstantRates);
    }

    // Class c is a bright horizontal band at rows 2c..2c+4 over noise, so every experiment has something to learn.
    private static void WriteLearnableDataset(string directory, int trainCount, int testCount)
    {
        var random = new Random(7);
        void Write(FashionMnistFile images, FashionMnistFile labels, int count)
        {
            var pixels = new byte[count * 784];
            var classes = new byte[count];
            for (int i = 0; i < count; i++)
            {
                int c = random.Next(10);
                classes[i] = (byte)c;
                for (int p = 0; p < 784; p++)
                {
                    int row = p / 28;
                    bool band = row >= 2 * c + 2 && row < 2 * c + 6;
                    pixels[i * 784 + p] = (byte)Math.Clamp((band ? 150 : 30) + random.Next(-30, 31), 0, 255);
                }
            }
            WriteIdx(images.PathIn(directory), pixels, 0x00000803, count, 28, 28);
            WriteIdx(labels.PathIn(directory), classes, 0x00000801, count);
        }
        Write(FashionMnist.TrainImages, FashionMnist.TrainLabels, trainCount);
        Write(FashionMnist.TestImages, FashionMnist.TestLabels, testCount);
    }

    private static void WriteIdx(string path, byte[] data, int magic, params int[] dimensions)
    {
        var header = new byte[4 * (1 + dimensions.Length)];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (int i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 * (i + 1)), dimensions[i]);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(header);
        gzip.Write(data);
    }
}
