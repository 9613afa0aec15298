using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Tests.Reliability;

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

    private IDataView Wide(int width)
    {
        var schema = SchemaDefinition.Create(typeof(WideRow));
        schema[nameof(WideRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return _trained.Context.Data.LoadFromEnumerable(
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
    public void ALoadedZipNamesTheColumnWhenTheWidthIsNotAMultiple()
    {
        var error = Assert.ThrowsAny<InvalidOperationException>(() => _trained.Load().Transform(Wide(5)));
        Assert.Contains("Input 'Features' has shape 1,6, but input data is of length 5", error.Message);
    }

    [Fact]
    [Trait("Reliability", "P-03")]
    public void ALoadedZipFailsWhileReadingWhenTheWidthIsAMultiple()
    {
        // ML.NET's own check passes a multiple of the width; ONNX Runtime then refuses each row, naming no column.
        var scored = _trained.Load().Transform(Wide(12));
        var error = Assert.ThrowsAny<Exception>(() => scored.GetColumn<float[]>("Score").ToArray());
        Assert.Contains("Length of memory (12) must match product of dimensions (6)", Innermost(error).Message);
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
        var schema = SchemaDefinition.Create(typeof(MLNetDeep.Tests.Infrastructure.SyntheticData.ClassRow));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, TrainedModel.Features);
        var raw = ml.Data.LoadFromEnumerable(_trained.Rows, schema);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new MLNetDeep.Trainers.DeepNeuralNetworkOptions { HiddenLayers = new[] { 8 }, Epochs = 2, Seed = 1 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(raw);
        using var zip = new MemoryStream();
        ml.Model.Save(model, raw.Schema, zip);

        var unseen = _trained.Rows.Take(10).Select(r => new MLNetDeep.Tests.Infrastructure.SyntheticData.ClassRow { Features = r.Features, Label = "a class the model never saw" });
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

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null)
            error = error.InnerException;
        return error;
    }
}
