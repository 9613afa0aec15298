using System.Diagnostics;
using Xunit.Abstractions;
using Microsoft.ML;
using MLNetDeep.Datasets;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Real data, hardest pair: Fashion-MNIST T-shirt/top (class 0) against Shirt (class 6), which differ mostly in
/// collars, buttons and sleeve length. A linear model separates them less well than a network that can combine pixels.
/// </summary>
public sealed class BinaryFashionMnistTests(ITestOutputHelper output)
{
    private const byte TShirt = 0;
    private const byte Shirt = 6;
    private const int TrainRows = 4_000;

    [Fact]
    public void NetworkBeatsSdcaLogisticRegressionOnTShirtVersusShirt()
    {
        var clock = Stopwatch.StartNew();
        var data = FashionMnist.LoadArrays(new FashionMnistOptions { DataDirectory = SharedData.FashionMnist });
        var train = Pair(data.Train).Take(TrainRows).ToList();
        var test = Pair(data.Test).ToList();
        Assert.Equal(TrainRows, train.Count);
        Assert.Equal(2_000, test.Count);
        var ml = new MLContext(seed: 1);
        var trainView = SyntheticData.Load(ml, train, FashionMnist.PixelsPerImage);
        var testView = SyntheticData.Load(ml, test, FashionMnist.PixelsPerImage);
        output.WriteLine($"load: {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        using var network = ml.BinaryClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 256, 64 },
            Epochs = 8,
            BatchSize = 64,
            Seed = 1,
            // On a shared, loaded machine libtorch's worker threads mostly wait for each other.
            NumberOfThreads = 1,
        }).Fit(trainView);
        var dnn = ml.BinaryClassification.Evaluate(network.Transform(testView));
        output.WriteLine($"DNN:  AUC {dnn.AreaUnderRocCurve:F4}, accuracy {dnn.Accuracy:F4}, F1 {dnn.F1Score:F4}, log-loss {dnn.LogLoss:F4} ({clock.Elapsed.TotalSeconds:F1} s)");

        clock.Restart();
        var sdcaModel = ml.BinaryClassification.Trainers.SdcaLogisticRegression().Fit(trainView);
        var sdca = ml.BinaryClassification.Evaluate(sdcaModel.Transform(testView));
        output.WriteLine($"SDCA: AUC {sdca.AreaUnderRocCurve:F4}, accuracy {sdca.Accuracy:F4}, F1 {sdca.F1Score:F4}, log-loss {sdca.LogLoss:F4} ({clock.Elapsed.TotalSeconds:F1} s)");

        Assert.True(dnn.AreaUnderRocCurve >= sdca.AreaUnderRocCurve,
            $"DNN test AUC {dnn.AreaUnderRocCurve:F4} is below SdcaLogisticRegression's {sdca.AreaUnderRocCurve:F4}");
    }

    /// <summary>The T-shirt and Shirt images of a set, in file order, labelled true for Shirt, pixels scaled to [0, 1].</summary>
    private static IEnumerable<SyntheticData.BinaryRow> Pair(LabeledImages images)
    {
        for (int i = 0; i < images.Count; i++)
        {
            if (images.Labels[i] is not (TShirt or Shirt))
                continue;
            var pixels = images.GetImage(i);
            var features = new float[pixels.Length];
            for (int p = 0; p < pixels.Length; p++)
                features[p] = pixels[p] / 255f;
            yield return new SyntheticData.BinaryRow { Features = features, Label = images.Labels[i] == Shirt };
        }
    }
}
