using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Transforms.Tests.Scoring;

/// <summary>What scoring does with input that differs from the training data: the fitted model and a loaded zip.</summary>
public sealed class PredictionInputTests : IDisposable
{
    private readonly TrainedModel _trained = new();

    public void Dispose() => _trained.Dispose();

    private sealed class WideRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class DoubleRow
    {
        [VectorType(TrainedModel.Features)] public double[] Features { get; set; } = new double[TrainedModel.Features];
    }

    private sealed class UnlabeledRow
    {
        [VectorType(TrainedModel.Features)] public float[] Features { get; set; } = new float[TrainedModel.Features];
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }

        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private IDataView Wide(int width) => Wide(_trained.Context, width);

    private static IDataView Wide(MLContext ml, int width)
    {
        var schema = SchemaDefinition.Create(typeof(WideRow));
        schema[nameof(WideRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(
            Enumerable.Range(0, 3).Select(i => new WideRow { Features = Enumerable.Range(0, width).Select(j => (float)(i + j)).ToArray() }), schema);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(12)]
    [Trait("Reliability", "P-01")]
    public void TheFittedModelNamesTheColumnAndBothWidths(int width)
    {
        var error = Assert.Throws<ArgumentException>(() => _trained.Model.Transform(Wide(width)));
        Assert.Contains($"Features column 'Features' has vectors of {width} values; the model was trained on {TrainedModel.Features}", error.Message);
        Assert.Throws<ArgumentException>(() => _trained.Context.Model.CreatePredictionEngine<UnlabeledRow, Prediction>(_trained.Model, Wide(width).Schema));
    }

    [Fact]
    [Trait("Reliability", "P-02")]
    public void ALoadedZipNamesTheColumnAndTheWidthWhenTheWidthIsNotAMultiple()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => _trained.Load().Transform(Wide(5)));
        Assert.Contains("Schema mismatch for feature column 'Features': expected Vector<Single, 6>, got Vector<Single, 5>", error.Message);
    }

    [Fact]
    [Trait("Reliability", "P-03")]
    public void ALoadedZipRejectsAMultipleOfTheWidthBeforeReadingRows()
    {
        // ML.NET's OnnxTransformer alone accepts a multiple of the width and ONNX Runtime fails on the first row read;
        // the chain's width check (FeatureWidthCheck) fails when the chain is bound instead.
        var loaded = _trained.Load();
        var error = Assert.ThrowsAny<ArgumentException>(() => loaded.Transform(Wide(12)));
        Assert.Contains("Schema mismatch for feature column 'Features': expected Vector<Single, 6>, got Vector<Single, 12>", error.Message);
        Assert.ThrowsAny<ArgumentException>(() => loaded.GetOutputSchema(Wide(12).Schema));
    }

    [Fact]
    [Trait("Reliability", "P-04")]
    public void FeaturesOfAnotherTypeAreNamedByBoth()
    {
        var data = _trained.Context.Data.LoadFromEnumerable(new[] { new DoubleRow(), new DoubleRow() });
        var fitted = Assert.Throws<ArgumentException>(() => _trained.Model.Transform(data));
        Assert.Contains("'Features'", fitted.Message);
        Assert.Contains("Single", fitted.Message);
        var loaded = Assert.ThrowsAny<ArgumentException>(() => _trained.Load().Transform(data));
        Assert.Contains("Features", loaded.Message);
    }

    [Fact]
    [Trait("Reliability", "P-05")]
    public void AMissingFeatureColumnIsNamedByBoth()
    {
        var data = _trained.Context.Transforms.DropColumns("Features").Fit(_trained.Data).Transform(_trained.Data);
        Assert.Contains("'Features'", Assert.Throws<ArgumentException>(() => _trained.Model.Transform(data)).Message);
        Assert.Contains("Features", Assert.ThrowsAny<ArgumentException>(() => _trained.Load().Transform(data)).Message);
    }

    [Fact]
    [Trait("Reliability", "P-06")]
    public void ScoringNeedsNoLabelColumn()
    {
        var rows = _trained.Rows.Take(20).Select(r => new UnlabeledRow { Features = r.Features }).ToList();
        var expected = TrainedModel.Scores(_trained.Model, _trained.Context.Data.TakeRows(_trained.Data, 20));
        foreach (var model in new[] { _trained.Model, _trained.Load() })
        {
            var engine = _trained.Context.Model.CreatePredictionEngine<UnlabeledRow, Prediction>(model);
            var predictions = rows.Select(engine.Predict).ToList();
            Assert.Equal(expected, predictions.Select(p => p.Score));
            Assert.All(predictions, p => Assert.InRange(p.PredictedLabel, 1u, 3u));
        }
    }

    [Fact]
    [Trait("Reliability", "P-07")]
    public void LabelValuesTheModelNeverSawStillScore()
    {
        var ml = _trained.Context;
        var schema = SchemaDefinition.Create(typeof(MLNetDeep.Tests.Support.SyntheticData.ClassRow));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, TrainedModel.Features);
        var raw = ml.Data.LoadFromEnumerable(_trained.Rows, schema);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new MLNetDeep.Trainers.DeepNeuralNetworkOptions { HiddenLayers = new[] { 8 }, Epochs = 2, Seed = 1 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(raw);
        using var zip = new MemoryStream();
        ml.Model.Save(model, raw.Schema, zip);

        var unseen = _trained.Rows.Take(10).Select(r => new MLNetDeep.Tests.Support.SyntheticData.ClassRow { Features = r.Features, Label = "a class the model never saw" });
        var scoring = ml.Data.LoadFromEnumerable(unseen, schema);
        var loaded = ml.Model.Load(new MemoryStream(zip.ToArray()), out _);
        List<string> Predict(ITransformer m, IDataView data) => m.Transform(data).GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(p => p.ToString()).ToList();
        var withTrueLabels = Predict(model, ml.Data.TakeRows(raw, 10));
        Assert.All(withTrueLabels, p => Assert.StartsWith("class", p));
        // PredictedLabel comes from the features alone; the label column only has to be present for MapValueToKey.
        Assert.Equal(withTrueLabels, Predict(model, scoring));
        Assert.Equal(withTrueLabels, Predict(loaded, scoring));
        model.OfType<MLNetDeep.Trainers.DeepNeuralNetworkTransformer>().Single().Dispose();
    }

    [Fact]
    [Trait("Reliability", "P-08")]
    public void NonFiniteFeaturesAtScoringTimeGiveNaNScoresNotAnError()
    {
        var row = new UnlabeledRow { Features = _trained.Rows[0].Features.ToArray() };
        row.Features[2] = float.NaN;
        foreach (var model in new[] { _trained.Model, _trained.Load() })
        {
            var prediction = _trained.Context.Model.CreatePredictionEngine<UnlabeledRow, Prediction>(model).Predict(row);
            Assert.All(prediction.Score, s => Assert.True(float.IsNaN(s)));
        }
    }

    [Theory]
    [InlineData(1568)]
    [InlineData(783)]
    [InlineData(785)]
    [Trait("Reliability", "P-09")]
    public void ALoadedZipOfA784WideModelRejectsOtherWidthsWhenBound(int width)
    {
        var ml = new MLContext(seed: 1);
        using var model = new TrainedModel(ml, features: 784, rows: 40);
        var loaded = model.Load();
        var data = Wide(ml, width);
        string expected = $"Schema mismatch for feature column 'Features': expected Vector<Single, 784>, got Vector<Single, {width}>";
        Assert.Contains(expected, Assert.ThrowsAny<ArgumentException>(() => loaded.Transform(data)).Message);
        Assert.Contains(expected, Assert.ThrowsAny<ArgumentException>(() => loaded.GetOutputSchema(data.Schema)).Message);
        // PredictionEngine binds without ML.NET's schema propagation, whose message names the column; the scorer's own names both widths.
        var engine = Assert.ThrowsAny<InvalidOperationException>(() => ml.Model.CreatePredictionEngine<WideRow, Prediction>(loaded, data.Schema));
        Assert.Contains($"Incompatible features column type: 'Vector<Single, {width}>' vs 'Vector<Single, 784>'", engine.Message);
    }

    [Fact]
    [Trait("Reliability", "P-10")]
    public void TheWidthCheckLeavesScoresBitIdentical()
    {
        // The same zip without its first transformer (the check) is what zips saved before the check score with.
        var loaded = (TransformerChain<ITransformer>)_trained.Load();
        Assert.True(MLNetDeep.Transforms.Scoring.FeatureWidthCheck.IsWidthCheck(loaded.First()));
        var withoutCheck = new TransformerChain<ITransformer>(loaded.Skip(1).ToArray());
        var row = new UnlabeledRow { Features = _trained.Rows[0].Features.ToArray() };
        row.Features[1] = -0f;
        var data = _trained.Context.Data.LoadFromEnumerable(_trained.Rows.Take(50).Select(r => new UnlabeledRow { Features = r.Features }).Append(row), SchemaOf());
        var expected = TrainedModel.Scores(withoutCheck, data).SelectMany(s => s).Select(BitConverter.SingleToInt32Bits);
        Assert.Equal(expected, TrainedModel.Scores(loaded, data).SelectMany(s => s).Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected, TrainedModel.Scores(_trained.Model, data).SelectMany(s => s).Select(BitConverter.SingleToInt32Bits));
    }

    private static SchemaDefinition SchemaOf()
    {
        var schema = SchemaDefinition.Create(typeof(UnlabeledRow));
        schema[nameof(UnlabeledRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, TrainedModel.Features);
        return schema;
    }
}
