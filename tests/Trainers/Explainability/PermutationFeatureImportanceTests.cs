using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Tests.Explainability;

/// <summary>
/// ML.NET's own permutation feature importance on models ending in our trainers, checked against the same
/// permutations scored and evaluated by hand: ML.NET's RNG picks each permutation, a recording stand-in learns
/// which one it picked (a fresh context of the same seed draws the same permutations), and the test rebuilds
/// the permuted table from the raw rows, runs the whole fitted chain on it and evaluates the metric drop itself.
/// </summary>
public sealed class PermutationFeatureImportanceTests
{
    private const int Rows = 300;
    private const int PermutationSeed = 11;
    private const int Permutations = 2;
    private static readonly string[] FeatureNames = { "A", "B", "C" };

    public sealed class BinaryRow
    {
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
        public bool Label { get; set; }
    }

    public sealed class ClassRow
    {
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
        public string Label { get; set; } = "";
    }

    public sealed class ValueRow
    {
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
        public float Label { get; set; }
    }

    [Fact]
    public void BinaryImportancesFromMlNetsTypedApiEqualAHandMadePermutation()
    {
        var ml = new MLContext(seed: 1);
        var rows = Table((a, b, c, y) => new BinaryRow { A = a, B = b, C = c, Label = y > 0 });
        var raw = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Concatenate("Features", FeatureNames)
            .Append(ml.BinaryClassification.Trainers.DeepNeuralNetwork(Options())).Fit(raw);
        var scored = model.Transform(raw);

        var pfi = new MLContext(seed: PermutationSeed).BinaryClassification.PermutationFeatureImportance(
            model.LastTransformer, scored, permutationCount: Permutations);
        var recorder = new Recorder<TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>(model.LastTransformer);
        new MLContext(seed: PermutationSeed).BinaryClassification.PermutationFeatureImportance(recorder, scored, permutationCount: Permutations);

        var baseline = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        var tables = PermutedTables(recorder, rows);
        for (int f = 0; f < FeatureNames.Length; f++)
        {
            var metrics = tables[f].Select(t => ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(ml.Data.LoadFromEnumerable(t)))).ToList();
            Assert.Equal(metrics.Average(m => m.AreaUnderRocCurve - baseline.AreaUnderRocCurve), pfi[f].AreaUnderRocCurve.Mean, 12);
            Assert.Equal(metrics.Average(m => m.Accuracy - baseline.Accuracy), pfi[f].Accuracy.Mean, 12);
            Assert.Equal(Permutations, pfi[f].Accuracy.Count);
        }
        // A drives the label, C is noise.
        Assert.True(pfi[0].AreaUnderRocCurve.Mean < -0.05, $"AUC drop when A is permuted: {pfi[0].AreaUnderRocCurve.Mean}");
        Assert.True(Math.Abs(pfi[2].AreaUnderRocCurve.Mean) < 0.02, $"AUC change when C is permuted: {pfi[2].AreaUnderRocCurve.Mean}");

        var byName = new MLContext(seed: PermutationSeed).BinaryClassification.PermutationFeatureImportanceNonCalibratedByName(
            model, scored, permutationCount: Permutations);
        Assert.Equal(FeatureNames.Order(), byName.Keys.Order());
        for (int f = 0; f < FeatureNames.Length; f++)
            Assert.Equal(pfi[f].AreaUnderRocCurve.Mean, byName[FeatureNames[f]].AreaUnderRocCurve.Mean);
    }

    [Fact]
    public void MulticlassImportancesFromMlNetsTypedApiEqualAHandMadePermutation()
    {
        var ml = new MLContext(seed: 1);
        var rows = Table((a, b, c, y) => new ClassRow { A = a, B = b, C = c, Label = y < -0.7 ? "low" : y > 0.7 ? "high" : "mid" });
        var raw = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Concatenate("Features", FeatureNames))
            .Append(ml.MulticlassClassification.Trainers.DeepNeuralNetwork(Options())).Fit(raw);
        var scored = model.Transform(raw);

        var pfi = new MLContext(seed: PermutationSeed).MulticlassClassification.PermutationFeatureImportance(
            model.LastTransformer, scored, permutationCount: Permutations);
        var recorder = new Recorder<TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>(model.LastTransformer);
        new MLContext(seed: PermutationSeed).MulticlassClassification.PermutationFeatureImportance(recorder, scored, permutationCount: Permutations);

        var baseline = ml.MulticlassClassification.Evaluate(scored);
        var tables = PermutedTables(recorder, rows);
        for (int f = 0; f < FeatureNames.Length; f++)
        {
            var metrics = tables[f].Select(t => ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(t)))).ToList();
            Assert.Equal(metrics.Average(m => m.MicroAccuracy - baseline.MicroAccuracy), pfi[f].MicroAccuracy.Mean, 12);
            Assert.Equal(metrics.Average(m => m.LogLoss - baseline.LogLoss), pfi[f].LogLoss.Mean, 12);
        }
        Assert.True(pfi[0].MicroAccuracy.Mean < -0.1, $"accuracy drop when A is permuted: {pfi[0].MicroAccuracy.Mean}");
        Assert.True(Math.Abs(pfi[2].MicroAccuracy.Mean) < -pfi[0].MicroAccuracy.Mean / 4, $"accuracy change when C is permuted: {pfi[2].MicroAccuracy.Mean}, A: {pfi[0].MicroAccuracy.Mean}");

        var byName = new MLContext(seed: PermutationSeed).MulticlassClassification.PermutationFeatureImportanceByName(
            model, scored, permutationCount: Permutations);
        for (int f = 0; f < FeatureNames.Length; f++)
            Assert.Equal(pfi[f].LogLoss.Mean, byName[FeatureNames[f]].LogLoss.Mean);
    }

    [Fact]
    public void RegressionImportancesFromMlNetsTypedApiEqualAHandMadePermutation()
    {
        var ml = new MLContext(seed: 1);
        var rows = Table((a, b, c, y) => new ValueRow { A = a, B = b, C = c, Label = y });
        var raw = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Concatenate("Features", FeatureNames)
            .Append(ml.Regression.Trainers.DeepNeuralNetwork(Options())).Fit(raw);
        var scored = model.Transform(raw);

        var pfi = new MLContext(seed: PermutationSeed).Regression.PermutationFeatureImportance(
            model.LastTransformer, scored, permutationCount: Permutations);
        var recorder = new Recorder<TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>(model.LastTransformer);
        new MLContext(seed: PermutationSeed).Regression.PermutationFeatureImportance(recorder, scored, permutationCount: Permutations);

        var baseline = ml.Regression.Evaluate(scored);
        var tables = PermutedTables(recorder, rows);
        for (int f = 0; f < FeatureNames.Length; f++)
        {
            var metrics = tables[f].Select(t => ml.Regression.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(t)))).ToList();
            Assert.Equal(metrics.Average(m => m.RootMeanSquaredError - baseline.RootMeanSquaredError), pfi[f].RootMeanSquaredError.Mean, 12);
            Assert.Equal(metrics.Average(m => m.RSquared - baseline.RSquared), pfi[f].RSquared.Mean, 12);
        }
        // y = 2A + B: permuting A costs more than permuting B, and C costs (almost) nothing.
        Assert.True(pfi[0].RootMeanSquaredError.Mean > pfi[1].RootMeanSquaredError.Mean, "A matters more than B");
        Assert.True(pfi[1].RootMeanSquaredError.Mean > 0.3, $"RMSE rise when B is permuted: {pfi[1].RootMeanSquaredError.Mean}");
        Assert.True(Math.Abs(pfi[2].RootMeanSquaredError.Mean) < 0.1, $"RMSE change when C is permuted: {pfi[2].RootMeanSquaredError.Mean}");

        var byName = new MLContext(seed: PermutationSeed).Regression.PermutationFeatureImportanceByName(
            model, scored, permutationCount: Permutations);
        for (int f = 0; f < FeatureNames.Length; f++)
            Assert.Equal(pfi[f].RSquared.Mean, byName[FeatureNames[f]].RSquared.Mean);
    }

    [Fact]
    public void MlNetsDictionaryFormRejectsTheChainAndOurFormNamesTheMissingNetwork()
    {
        // ML.NET's ITransformer overload looks for its internal ISingleFeaturePredictionTransformer interface,
        // which a type outside Microsoft.ML cannot implement; docs/api.md says so and points to ...ByName.
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(Table((a, b, c, y) => new ValueRow { A = a, B = b, C = c, Label = y }));
        var model = ml.Transforms.Concatenate("Features", FeatureNames)
            .Append(ml.Regression.Trainers.DeepNeuralNetwork(Options())).Fit(raw);
        var scored = model.Transform(raw);
        var error = Assert.Throws<ArgumentNullException>(() => ml.Regression.PermutationFeatureImportance((ITransformer)model, scored));
        Assert.Contains("compatible predictor", error.Message);

        var noNetwork = ml.Transforms.Concatenate("Features", FeatureNames).Fit(raw);
        var ours = Assert.Throws<ArgumentException>(() => ml.Regression.PermutationFeatureImportanceByName(noNetwork, scored));
        Assert.Contains("RegressionDeepNeuralNetworkTransformer", ours.Message);
        Assert.Equal("model", ours.ParamName);
    }

    private static DeepNeuralNetworkOptions Options() => new()
    {
        ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
        HiddenLayers = new[] { 16 },
        Epochs = 20,
        LearningRate = 0.01,
        Seed = 1,
        NumberOfThreads = 1,
    };

    /// <summary>y = 2A + B + noise; C is independent noise.</summary>
    private static List<T> Table<T>(Func<float, float, float, float, T> row)
    {
        var random = new Random(3);
        float Gaussian() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var list = new List<T>(Rows);
        for (int i = 0; i < Rows; i++)
        {
            float a = Gaussian(), b = Gaussian(), c = Gaussian();
            list.Add(row(a, b, c, 2 * a + b + 0.3f * Gaussian()));
        }
        return list;
    }

    /// <summary>
    /// For each feature, the tables ML.NET scored with that feature permuted: checks that each changed that feature
    /// alone and only its order, then rebuilds it from the raw rows with that feature's column in ML.NET's order.
    /// </summary>
    private static List<TRow>[][] PermutedTables<TRow, TModel>(Recorder<TModel> recorder, List<TRow> rows) where TModel : class
    {
        var properties = FeatureNames.Select(n => typeof(TRow).GetProperty(n)!).ToArray();
        var original = rows.Select(r => properties.Select(p => (float)p.GetValue(r)!).ToArray()).ToArray();
        Assert.Equal(1 + FeatureNames.Length * Permutations, recorder.Inputs.Count);
        Assert.Equal(original, recorder.Inputs[0]);
        var clone = typeof(object).GetMethod("MemberwiseClone", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
        var tables = new List<TRow>[FeatureNames.Length][];
        for (int f = 0; f < FeatureNames.Length; f++)
        {
            tables[f] = new List<TRow>[Permutations];
            for (int p = 0; p < Permutations; p++)
            {
                var seen = recorder.Inputs[1 + f * Permutations + p];
                for (int other = 0; other < FeatureNames.Length; other++)
                    if (other != f)
                        Assert.Equal(original.Select(r => r[other]), seen.Select(r => r[other]));
                Assert.Equal(original.Select(r => r[f]).Order(), seen.Select(r => r[f]).Order());
                Assert.NotEqual(original.Select(r => r[f]), seen.Select(r => r[f]));

                tables[f][p] = new List<TRow>(rows.Count);
                for (int i = 0; i < rows.Count; i++)
                {
                    var copy = (TRow)clone.Invoke(rows[i], null)!;
                    properties[f].SetValue(copy, seen[i][f]);
                    tables[f][p].Add(copy);
                }
            }
        }
        return tables;
    }

    /// <summary>Passes every call to the network and keeps the feature vectors of each table it is asked to score.</summary>
    private sealed class Recorder<TModel> : ISingleFeaturePredictionTransformer<TModel> where TModel : class
    {
        private readonly ISingleFeaturePredictionTransformer<TModel> _network;

        public Recorder(ISingleFeaturePredictionTransformer<TModel> network) => _network = network;

        public List<float[][]> Inputs { get; } = new();

        public string FeatureColumnName => _network.FeatureColumnName;
        public DataViewType FeatureColumnType => _network.FeatureColumnType;
        public TModel Model => _network.Model;
        public bool IsRowToRowMapper => _network.IsRowToRowMapper;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _network.GetOutputSchema(inputSchema);
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _network.GetRowToRowMapper(inputSchema);

        public IDataView Transform(IDataView input)
        {
            Inputs.Add(input.GetColumn<float[]>(FeatureColumnName).ToArray());
            return _network.Transform(input);
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException("The recorder only observes.");
    }
}
