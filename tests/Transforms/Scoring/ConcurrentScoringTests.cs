using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Transforms.Tests.Scoring;

/// <summary>
/// A model scored from 8 threads at once gives bit-for-bit the answers of one thread: one
/// PredictionEngine per thread (they are not thread-safe themselves), and Transform on one shared view.
/// </summary>
public sealed class ConcurrentScoringTests : IDisposable
{
    private const int Threads = 8;
    private const int Repeats = 3;

    private readonly TrainedModel _trained = new(rows: 300);

    public void Dispose() => _trained.Dispose();

    private sealed class Input
    {
        [VectorType(TrainedModel.Features)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }

        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>Runs <paramref name="work"/> on <see cref="Threads"/> dedicated threads released together; rethrows the first failure.</summary>
    private static T[] OnThreads<T>(Func<int, T> work)
    {
        var results = new T[Threads];
        var errors = new Exception?[Threads];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                results[t] = work(t);
            }
            catch (Exception ex)
            {
                errors[t] = ex;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not null) is { } error)
            throw new AggregateException(error);
        return results;
    }

    private (uint Label, float[] Score)[] PredictAll(PredictionEngine<Input, Prediction> engine) =>
        _trained.Rows.Select(r => engine.Predict(new Input { Features = r.Features })).Select(p => (p.PredictedLabel, p.Score.ToArray())).ToArray();

    private static void AssertSame((uint Label, float[] Score)[] expected, (uint Label, float[] Score)[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            Assert.Equal(expected[i].Score, actual[i].Score);
        }
    }

    [Fact]
    [Trait("Reliability", "C-01")]
    public void OnePredictionEnginePerThreadOnALoadedZipMatchesOneThread()
    {
        var loaded = _trained.Load();
        var single = PredictAll(_trained.Context.Model.CreatePredictionEngine<Input, Prediction>(loaded));
        var parallel = OnThreads(_ =>
        {
            var engine = _trained.Context.Model.CreatePredictionEngine<Input, Prediction>(loaded);
            var last = PredictAll(engine);
            for (int r = 1; r < Repeats; r++)
                last = PredictAll(engine);
            return last;
        });
        Assert.All(parallel, p => AssertSame(single, p));
    }

    [Fact]
    [Trait("Reliability", "C-02")]
    public void TransformOnASharedViewFromEightThreadsMatchesOneThread()
    {
        foreach (var model in new[] { _trained.Load(), _trained.Model })
        {
            var scored = model.Transform(_trained.Data);
            var single = scored.GetColumn<float[]>("Score").ToArray();
            var parallel = OnThreads(_ =>
            {
                float[][] last = Array.Empty<float[]>();
                for (int r = 0; r < Repeats; r++)
                    last = model.Transform(_trained.Data).GetColumn<float[]>("Score").ToArray();
                return last;
            });
            Assert.All(parallel, p => Assert.Equal(single, p));
        }
    }

    [Fact]
    [Trait("Reliability", "C-03")]
    public void PredictionEnginesOnTheFittedModelFromEightThreadsMatchOneThread()
    {
        var single = PredictAll(_trained.Context.Model.CreatePredictionEngine<Input, Prediction>(_trained.Model));
        var parallel = OnThreads(_ => PredictAll(_trained.Context.Model.CreatePredictionEngine<Input, Prediction>(_trained.Model)));
        Assert.All(parallel, p => AssertSame(single, p));
    }
}
