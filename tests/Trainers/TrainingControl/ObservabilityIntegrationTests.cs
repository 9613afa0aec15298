using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.TrainingControl;

/// <summary>A real training run's TensorBoard files and plots agree with its history.</summary>
public sealed class ObservabilityIntegrationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mlnetdeep-tb-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TensorBoardValuesMatchTheHistory()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.Blobs(ml, 240, 6, 3, seed: 2).Data;
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 12, 8 }, Epochs = 3, ValidationFraction = 0.25, Seed = 1, TensorBoardLogDirectory = _root,
        }).Fit(data);

        var train = TensorBoardEventReader.Read(Directory.GetFiles(Path.Combine(_root, "train")).Single());
        var validation = TensorBoardEventReader.Read(Directory.GetFiles(Path.Combine(_root, "validation")).Single());
        Assert.Equal("brain.Event:2", train.FileVersion);

        float[] Series(TensorBoardEventFile file, string tag) =>
            file.Scalars.Where(s => s.Tag == tag).OrderBy(s => s.Step).Select(s => s.Value).ToArray();
        var epochs = model.History.Epochs;
        Assert.Equal(epochs.Select(e => (float)e.TrainLoss), Series(train, "epoch_loss"));
        Assert.Equal(epochs.Select(e => (float)e.TrainMetric), Series(train, "epoch_accuracy"));
        Assert.Equal(epochs.Select(e => (float)e.LearningRate), Series(train, "epoch_learning_rate"));
        Assert.Equal(epochs.Select(e => (float)e.ValidationLoss!.Value), Series(validation, "epoch_loss"));
        Assert.Equal(epochs.Select(e => (float)e.ValidationMetric!.Value), Series(validation, "epoch_accuracy"));
        Assert.Equal(model.GradientNorms.Select(g => (float)g.MeanNormByLayer["hidden1.linear"]), Series(train, "gradient_norm/hidden1.linear"));

        foreach (var layer in new[] { "hidden1.linear", "hidden2.linear", "output" })
        {
            Assert.Equal(new long[] { 1, 2, 3 }, train.Histograms.Where(h => h.Tag == $"weights/{layer}").Select(h => h.Step).OrderBy(s => s));
            Assert.Equal(3, train.Histograms.Count(h => h.Tag == $"gradients/{layer}"));
        }
        var lastWeights = train.Histograms.Where(h => h.Tag == "weights/output").MaxBy(h => h.Step)!;
        var weights = ((TorchSharp.Modules.Linear)model.Network.named_modules().Single(m => m.name == "output").module).weight!.data<float>().ToArray();
        Assert.Equal(weights.Length, lastWeights.Count);
        Assert.Equal(weights.Min(), lastWeights.Min, 5);
        Assert.Equal(weights.Max(), lastWeights.Max, 5);
    }

    [Fact]
    public void LearningCurveAndGradientNormPlotsAreWritten()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.Blobs(ml, 200, 6, 3, seed: 2).Data;
        using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 12 }, Epochs = 3, ValidationFraction = 0.25, Seed = 1,
        }).Fit(data);
        string curves = Path.Combine(_root, "curves.png"), grads = Path.Combine(_root, "grads.png");
        model.SaveLearningCurves(curves);
        model.SaveGradientNorms(grads);
        foreach (var png in new[] { curves, grads })
        {
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.Length > 10_000);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }
}
