using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary><see cref="DeepNeuralNetworkOptions.LabelSmoothing"/>: the smoothed cross-entropy, its effect on confidence, and an unchanged exported model.</summary>
public sealed class LabelSmoothingTests
{
    private static readonly double[][] Logits = { new[] { 2.0, 0.0, -1.0 }, new[] { 0.5, 0.5, 3.0 }, new[] { -1.0, 2.5, 0.0 } };
    private static readonly long[] Targets = { 0, 2, 0 };

    /// <summary>
    /// The definition (PyTorch's <c>cross_entropy(label_smoothing=ε)</c>, Keras' <c>CategoricalCrossentropy(label_smoothing=ε)</c>):
    /// the mean over rows of −Σₖ qₖ log pₖ with q = (1 − ε)·onehot(y) + ε/K, written out in doubles.
    /// </summary>
    private static double Expected(double epsilon)
    {
        double total = 0;
        for (int i = 0; i < Logits.Length; i++)
        {
            var row = Logits[i];
            double logSum = Math.Log(row.Sum(Math.Exp));
            for (int k = 0; k < row.Length; k++)
            {
                double q = (k == Targets[i] ? 1 - epsilon : 0) + epsilon / row.Length;
                total -= q * (row[k] - logSum);
            }
        }
        return total / Logits.Length;
    }

    private static double ObjectiveLoss(double epsilon)
    {
        using var scope = NewDisposeScope();
        var output = tensor(Logits.SelectMany(r => r).Select(v => (float)v).ToArray(), new long[] { 3, 3 });
        var target = tensor(Targets);
        return new MulticlassObjective(3, epsilon).Loss(output, target).item<float>();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void LossIsTheSmoothedCrossEntropy(double epsilon)
    {
        Assert.Equal(Expected(epsilon), ObjectiveLoss(epsilon), 5);
    }

    [Fact]
    public void SmoothingChangesTheLossOnConfidentRows()
    {
        // Sanity of the example itself: the three values differ, so the theory above can tell them apart.
        Assert.True(Math.Abs(Expected(0.1) - Expected(0)) > 0.05);
        Assert.True(Math.Abs(Expected(0.5) - Expected(0.1)) > 0.05);
    }

    private static (MulticlassDeepNeuralNetworkTransformer Model, float[][] Scores, IDataView Data) Train(double smoothing)
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Blobs(ml, rows: 240, features: 5, classes: 3, seed: 4, spread: 0.7f);
        var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 16 },
            Epochs = 15,
            BatchSize = 16,
            LearningRate = 0.01,
            Seed = 2,
            LabelSmoothing = smoothing,
        }).Fit(data);
        var scores = model.Transform(data).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        return (model, scores, data);
    }

    [Fact]
    public void SmoothedModelsAreLessConfidentAndExportTheNetworkUnchanged()
    {
        var (plain, plainScores, _) = Train(0);
        var (smoothed, smoothedScores, data) = Train(0.2);
        using (plain)
        using (smoothed)
        {
            // Without smoothing the top probability heads for 1; with ε = 0.2 the loss is lowest at
            // 1 − ε + ε/K ≈ 0.87, which the model's confidence must not exceed by much.
            double plainTop = plainScores.Average(s => s.Max());
            double smoothedTop = smoothedScores.Average(s => s.Max());
            Assert.True(smoothedTop < plainTop - 0.03, $"mean top probability: plain {plainTop}, smoothed {smoothedTop}");
            Assert.True(smoothedTop < 1 - 0.2 + 0.2 / 3 + 0.02, $"smoothed mean top probability {smoothedTop}");
            double accuracy = new MLContext().MulticlassClassification.Evaluate(smoothed.Transform(data)).MicroAccuracy;
            Assert.True(accuracy > 0.9, $"smoothed training accuracy {accuracy}");

            // The exported graph is the network followed by softmax, as without smoothing.
            var features = data.GetColumn<float[]>("Features").ToArray();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            smoothed.Network.eval();
            var probabilities = smoothed.Network.forward(tensor(features.SelectMany(f => f).ToArray(), new long[] { features.Length, 5 })).softmax(1);
            var expected = probabilities.data<float>().ToArray();
            var actual = smoothedScores.SelectMany(s => s).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            Assert.True(expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() < 1e-5);
        }
    }
}
