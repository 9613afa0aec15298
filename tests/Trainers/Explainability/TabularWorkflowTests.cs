using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Trainers.Tests.Explainability;

/// <summary>
/// The workflow docs/tabular.md shows, step for step, on a generated CSV: TextLoader, one-hot categories,
/// normalisation, CrossValidate, permutation feature importance by feature name (one-hot slots named as ML.NET
/// names them) and a PredictionEngine.
/// </summary>
public sealed class TabularWorkflowTests
{
    public sealed class Loan
    {
        [LoadColumn(0)] public float PaymentToIncome { get; set; }
        [LoadColumn(1)] public float LoanToValue { get; set; }
        [LoadColumn(2)] public string CreditHistory { get; set; } = "";
        [LoadColumn(3)] public string SelfEmployed { get; set; } = "";
        [LoadColumn(4), ColumnName("Label")] public bool Denied { get; set; }
    }

    public sealed class LoanPrediction
    {
        public bool PredictedLabel { get; set; }
        public float Probability { get; set; }
        public float Score { get; set; }
    }

    [Fact]
    public void TheDocumentedPipelineCrossValidatesExplainsByCategoryAndPredicts()
    {
        using var temp = new TempDirectory();
        var csv = Path.Combine(temp.Path, "loans.csv");
        WriteLoans(csv, rows: 600);

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromTextFile<Loan>(csv, separatorChar: ',', hasHeader: true);
        var featurize = ml.Transforms.Categorical.OneHotEncoding(new[]
            {
                new InputOutputColumnPair("CreditHistory"),
                new InputOutputColumnPair("SelfEmployed"),
            })
            .Append(ml.Transforms.Concatenate("Features", "PaymentToIncome", "LoanToValue", "CreditHistory", "SelfEmployed"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"));
        var pipeline = featurize.Append(ml.BinaryClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            Seed = 1,
            NumberOfThreads = 1,
        }));

        var folds = ml.BinaryClassification.CrossValidate(data, pipeline, numberOfFolds: 5);
        Assert.Equal(5, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.AreaUnderRocCurve > 0.8, $"fold AUC {f.Metrics.AreaUnderRocCurve}"));

        var model = pipeline.Fit(data);
        var transformed = model.Transform(data);
        var byName = ml.BinaryClassification.PermutationFeatureImportanceNonCalibratedByName(model, transformed, permutationCount: 3);
        // One entry per Features slot: the two numbers and each category ("CreditHistory.1" … as Concatenate names them).
        Assert.Equal(
            new[] { "CreditHistory.1", "CreditHistory.2", "CreditHistory.3", "LoanToValue", "PaymentToIncome", "SelfEmployed.no", "SelfEmployed.yes" },
            byName.Keys.Order(StringComparer.Ordinal));
        // The label depends on LoanToValue most. (Single one-hot slots are not compared: permuting one slot alone
        // makes rows with two categories or none, which the network never saw; docs/tabular.md says so.)
        var ranking = byName.OrderBy(p => p.Value.AreaUnderRocCurve.Mean).Select(p => p.Key).ToList();
        Assert.Equal("LoanToValue", ranking[0]);
        Assert.True(byName["LoanToValue"].AreaUnderRocCurve.Mean < -0.1, $"AUC drop for LoanToValue {byName["LoanToValue"].AreaUnderRocCurve.Mean}");

        var engine = ml.Model.CreatePredictionEngine<Loan, LoanPrediction>(model);
        var risky = engine.Predict(new Loan { PaymentToIncome = 0.5f, LoanToValue = 1.2f, CreditHistory = "3", SelfEmployed = "no" });
        var safe = engine.Predict(new Loan { PaymentToIncome = 0.2f, LoanToValue = 0.5f, CreditHistory = "1", SelfEmployed = "no" });
        Assert.True(risky.PredictedLabel && risky.Probability > 0.5f, $"risky loan p = {risky.Probability}");
        Assert.True(!safe.PredictedLabel && safe.Probability < 0.5f, $"safe loan p = {safe.Probability}");
        Assert.Equal(1 / (1 + Math.Exp(-risky.Score)), risky.Probability, 5);
        (model as IDisposable)?.Dispose();
    }

    /// <summary>Denied when 4·(LoanToValue − 0.8) + 3·(PaymentToIncome − 0.3) + 1.5·[history 3] + noise &gt; 0.</summary>
    private static void WriteLoans(string path, int rows)
    {
        var random = new Random(7);
        var lines = new List<string> { "PaymentToIncome,LoanToValue,CreditHistory,SelfEmployed,Denied" };
        for (int i = 0; i < rows; i++)
        {
            double pti = 0.1 + 0.4 * random.NextDouble(), ltv = 0.4 + 0.8 * random.NextDouble();
            int history = 1 + random.Next(3);
            string selfEmployed = random.NextDouble() < 0.3 ? "yes" : "no";
            double z = 4 * (ltv - 0.8) + 3 * (pti - 0.3) + (history == 3 ? 1.5 : 0) + 0.5 * (random.NextDouble() - 0.5);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{pti:F4},{ltv:F4},{history},{selfEmployed},{(z > 0 ? 1 : 0)}"));
        }
        File.WriteAllLines(path, lines);
    }
}
