using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Transforms.Tests.Scoring;

/// <summary>
/// The binary and regression heads on their own, fed known network outputs: they must pass the value through
/// exactly, and the binary head's Platt calibrator must be the plain sigmoid, thresholded at 0.5.
/// </summary>
public sealed class PredictionHeadsTests
{
    private sealed class OutputRow
    {
        [VectorType(1)] public float[] Output { get; set; } = Array.Empty<float>();
    }

    private static readonly float[] Logits = { -30f, -4.5f, -1f, -1e-3f, 0f, 1e-3f, 0.5f, 2f, 7.25f, 30f };

    private static IDataView Outputs(MLContext ml) =>
        ml.Data.LoadFromEnumerable(Logits.Select(v => new OutputRow { Output = new[] { v } }).ToList());

    [Fact]
    public void EveryInternalConstructorTheHeadsNeedIsPresent() => PredictionHeads.EnsureSupported();

    [Fact]
    public void BinaryHeadPassesTheLogitAndAppliesTheSigmoidThresholdedAtOneHalf()
    {
        var ml = new MLContext(seed: 1);
        var data = Outputs(ml);
        var scored = PredictionHeads.CreateBinary(ml, data.Schema, "Output").Transform(data);

        Assert.Equal(Logits, scored.GetColumn<float>("Score"));
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        for (int i = 0; i < Logits.Length; i++)
            Assert.Equal(1 / (1 + Math.Exp(-(double)Logits[i])), probabilities[i], 6);
        Assert.Equal(0.5f, probabilities[Array.IndexOf(Logits, 0f)]);
        // Strictly above one half: a logit of exactly 0 is a negative prediction.
        Assert.Equal(probabilities.Select(p => p > 0.5f), scored.GetColumn<bool>("PredictedLabel"));
        Assert.False(scored.GetColumn<bool>("PredictedLabel").ElementAt(Array.IndexOf(Logits, 0f)));
    }

    [Fact]
    public void RegressionHeadPassesTheValueThroughExactly()
    {
        var ml = new MLContext(seed: 1);
        var data = Outputs(ml);
        var scored = PredictionHeads.CreateRegression(ml, data.Schema, "Output").Transform(data);
        Assert.Equal(Logits, scored.GetColumn<float>("Score"));
    }
}
