using Microsoft.ML;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// What the binary and regression objectives add to the shared loop: early stopping on validation AUC and RMSE,
/// the positive-class weight, and the three regression losses, each checked against a computation by hand or ML.NET's.
/// </summary>
public sealed class BinaryRegressionTrainingTests
{
    private static DeepNeuralNetworkOptions Overfitting(IDataView validation, EarlyStoppingMetric metric) => new()
    {
        // Few noisy rows and a large, fast-learning net: the validation figures peak early, then degrade.
        HiddenLayers = new[] { 128, 128 }, LearningRate = 0.01, Epochs = 40, BatchSize = 8, Seed = 3, NumberOfThreads = 1,
        ValidationSet = validation,
        EarlyStopping = new EarlyStoppingOptions { Metric = metric, Patience = 4 },
    };

    [Fact]
    public void EarlyStoppingOnValidationAucRestoresTheBestAucEpochWhichMlNetConfirms()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = SyntheticData.Ring(ml, rows: 80, features: 8, seed: 31, noise: 0.2);
        var (validation, _) = SyntheticData.Ring(ml, rows: 400, features: 8, seed: 32, noise: 0.2);
        using var model = ml.BinaryClassification.Trainers.DeepNeuralNetwork(Overfitting(validation, EarlyStoppingMetric.ValidationAuc)).Fit(train);

        var epochs = model.History.Epochs;
        var best = epochs.MaxBy(e => e.ValidationAuc!.Value)!;
        Assert.True(model.History.StoppedEarly, $"expected an early stop; ran {epochs.Count} epochs");
        Assert.Equal(best.Epoch, model.History.BestEpoch);
        Assert.Equal(best.Epoch + 4, epochs.Count);
        // The restored weights reproduce the best epoch's AUC, and ML.NET's evaluator computes the same AUC.
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(validation));
        Assert.Equal(best.ValidationAuc!.Value, metrics.AreaUnderRocCurve, 6);
    }

    [Fact]
    public void EarlyStoppingOnValidationRmseRestoresTheBestRmseEpochWhichMlNetConfirms()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = SyntheticData.Friedman1(ml, rows: 60, seed: 33, noise: 2);
        var (validation, _) = SyntheticData.Friedman1(ml, rows: 400, seed: 34, noise: 2);
        using var model = ml.Regression.Trainers.DeepNeuralNetwork(Overfitting(validation, EarlyStoppingMetric.ValidationRmse)).Fit(train);

        var epochs = model.History.Epochs;
        var best = epochs.MinBy(e => e.ValidationMetric!.Value)!;
        Assert.True(model.History.StoppedEarly, $"expected an early stop; ran {epochs.Count} epochs");
        Assert.Equal(best.Epoch, model.History.BestEpoch);
        var metrics = ml.Regression.Evaluate(model.Transform(validation));
        Assert.Equal(best.ValidationMetric!.Value, metrics.RootMeanSquaredError, 4);
    }

    [Theory]
    [InlineData("binary", EarlyStoppingMetric.ValidationRmse, "ValidationAccuracy or ValidationAuc")]
    [InlineData("binary", EarlyStoppingMetric.ValidationAccuracy, null)]
    [InlineData("regression", EarlyStoppingMetric.ValidationAuc, "ValidationRmse.")]
    [InlineData("regression", EarlyStoppingMetric.ValidationAccuracy, "ValidationRmse.")]
    public void MetricsOfAnotherTaskAreClearErrors(string task, EarlyStoppingMetric metric, string? suggestion)
    {
        var ml = new MLContext(seed: 1);
        var options = new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 4 }, Epochs = 2, Seed = 1, NumberOfThreads = 1, ValidationFraction = 0.25,
            EarlyStopping = new EarlyStoppingOptions { Metric = metric },
        };
        Action fit = task == "binary"
            ? () => ml.BinaryClassification.Trainers.DeepNeuralNetwork(options).Fit(SyntheticData.Ring(ml, 40, 3, seed: 1).Data).Dispose()
            : () => ml.Regression.Trainers.DeepNeuralNetwork(options).Fit(SyntheticData.Friedman1(ml, 40, seed: 1).Data).Dispose();
        if (suggestion is null)
        {
            fit();
            return;
        }
        var error = Assert.Throws<ArgumentException>(fit);
        Assert.Contains($"EarlyStopping.Metric {metric} does not apply", error.Message);
        Assert.Contains(suggestion, error.Message);
    }

    [Fact]
    public void PositiveClassWeightIsPyTorchsPosWeightAndRaisesRecallOnImbalancedData()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Imbalanced(ml, rows: 2_000, seed: 41);
        var (test, testRows) = Imbalanced(ml, rows: 1_000, seed: 42);
        BinaryDeepNeuralNetworkTransformer Train(double weight) => ml.BinaryClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 16 }, Epochs = 5, Seed = 1, NumberOfThreads = 1, ValidationSet = test, PositiveClassWeight = weight,
        }).Fit(train);
        using var plain = Train(1);
        using var weighted = Train(9);

        var plainMetrics = ml.BinaryClassification.Evaluate(plain.Transform(test));
        var weightedMetrics = ml.BinaryClassification.Evaluate(weighted.Transform(test));
        Assert.True(weightedMetrics.PositiveRecall > plainMetrics.PositiveRecall + 0.2,
            $"recall of the positive class: {weightedMetrics.PositiveRecall:F3} weighted, {plainMetrics.PositiveRecall:F3} plain");

        // The validation loss is −mean[w·y·log σ(z) + (1 − y)·log(1 − σ(z))], PyTorch's pos_weight form.
        var logits = NetworkParity.SingleOutputs(weighted, testRows.Select(r => r.Features).ToList());
        double expected = testRows.Select((r, i) => r.Label ? -9 * LogSigmoid(logits[i]) : -LogSigmoid(-logits[i])).Average();
        Assert.Equal(expected, weighted.History.Epochs[^1].ValidationLoss!.Value, 5);
    }

    [Theory]
    [InlineData(RegressionLoss.MeanSquaredError)]
    [InlineData(RegressionLoss.MeanAbsoluteError)]
    [InlineData(RegressionLoss.Huber)]
    public void RegressionLossesAreComputedOnTheStandardizedLabelWithHuberDeltaInLabelUnits(RegressionLoss loss)
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = SyntheticData.Friedman1(ml, rows: 300, seed: 51);
        var (validation, validationRows) = SyntheticData.Friedman1(ml, rows: 200, seed: 52);
        const double delta = 2;
        using var model = ml.Regression.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 16 }, Epochs = 3, Seed = 1, NumberOfThreads = 1,
            ValidationSet = validation, RegressionLoss = loss, HuberDelta = delta,
        }).Fit(train);

        var outputs = NetworkParity.SingleOutputs(model, validationRows.Select(r => r.Features).ToList());
        double scale = model.LabelScale;
        var residuals = validationRows.Select((r, i) => outputs[i] - (r.Label - (double)model.LabelMean) / scale).ToList();
        double deltaInTrainingUnits = delta / scale;
        double expected = loss switch
        {
            RegressionLoss.MeanSquaredError => residuals.Average(r => r * r),
            RegressionLoss.MeanAbsoluteError => residuals.Average(Math.Abs),
            _ => residuals.Average(r => Math.Abs(r) <= deltaInTrainingUnits ? 0.5 * r * r : deltaInTrainingUnits * (Math.Abs(r) - 0.5 * deltaInTrainingUnits)),
        };
        Assert.Equal(expected, model.History.Epochs[^1].ValidationLoss!.Value, 5);
        if (loss == RegressionLoss.Huber)
        {
            // Both branches of the Huber loss are exercised.
            Assert.Contains(residuals, r => Math.Abs(r) < deltaInTrainingUnits);
            Assert.Contains(residuals, r => Math.Abs(r) > deltaInTrainingUnits);
        }
    }

    [Fact]
    public void AucCountsPairsWithTiesAsOneHalf()
    {
        var random = new Random(7);
        // Scores rounded to one decimal, so many positives and negatives tie.
        var scores = Enumerable.Range(0, 300).Select(_ => (float)Math.Round(random.NextDouble(), 1)).ToList();
        var positive = scores.Select(s => random.NextDouble() < s).ToList();
        double pairs = 0, wins = 0;
        for (int i = 0; i < scores.Count; i++)
        {
            for (int j = 0; j < scores.Count; j++)
            {
                if (!positive[i] || positive[j])
                    continue;
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        Assert.Equal(wins / pairs, AucAccumulator.Compute(scores, positive), 12);
        Assert.True(double.IsNaN(AucAccumulator.Compute(new[] { 1f, 2f }, new[] { true, true })));
    }

    private static double LogSigmoid(double z) => z >= 0 ? -Math.Log(1 + Math.Exp(-z)) : z - Math.Log(1 + Math.Exp(z));

    /// <summary>About 10% positives whose features are shifted by 1 from the negatives': a weak, overlapping signal.</summary>
    private static (IDataView Data, List<SyntheticData.BinaryRow> Rows) Imbalanced(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        var list = new List<SyntheticData.BinaryRow>(rows);
        for (int i = 0; i < rows; i++)
        {
            bool label = random.NextDouble() < 0.1;
            var features = Enumerable.Range(0, 4).Select(_ => SyntheticData.Gaussian(random) + (label ? 1f : 0f)).ToArray();
            list.Add(new SyntheticData.BinaryRow { Features = features, Label = label });
        }
        return (SyntheticData.Load(ml, list, 4), list);
    }
}
