using System.Diagnostics;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;
using MLNetDeep.Trainers;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Bench;

/// <summary>One image to score, as an app would declare it.</summary>
internal sealed class BenchImage
{
    [VectorType(784)]
    public float[] Features { get; set; } = Array.Empty<float>();
}

/// <summary>What an app reads back from a multiclass model.</summary>
internal sealed class BenchPrediction
{
    public uint PredictedLabel { get; set; }

    public float[] Score { get; set; } = Array.Empty<float>();
}

/// <summary>
/// Figure 4: single-row PredictionEngine latency (p50/p99) and batch Transform throughput of the saved DNN zip vs the
/// LightGbm and SDCA zips (from the accuracy command), alternated round by round. Also what the one-row ONNX path
/// costs: the same network in a zip whose OnnxTransformer was built with one intra-op thread, and ONNX Runtime called
/// directly on the exported graph (the floor any ML.NET wrapper could reach); the product's batch API
/// (<see cref="MulticlassBatchPredictor"/> on the same zip); and the zip with and without its feature-width check.
/// </summary>
internal static class Inference
{
    public static int Run(Args args)
    {
        string dir = Results.Directory(args);
        string models = Path.Combine(dir, "models");
        int rounds = args.Int("--rounds", 5);
        int perRound = args.Int("--rows-per-round", 2000);
        int transformRows = args.Int("--transform-rows", 10_000);
        string[] which = args.List("--models", "dnn,dnn-nocheck,dnn-widthcheck,dnn-intra1,lightgbm,sdca,ort-direct,ort-direct-intra1,dnn-batch,dnn-batch-intra1");
        var data = BenchData.LoadArrays(args).ToDataViews();
        var test = new MLContext().Data.TakeRows(data.Test, transformRows);
        var rows = data.Test.GetColumn<float[]>("Features").ToArray();

        var scorers = new Dictionary<string, Scorer>();
        foreach (var name in which)
            scorers[name] = Scorer.Create(name, models, data.Train.Schema);

        string loadAtStart = LoadAverage;
        string parity = BatchParity(models, test);
        Console.WriteLine($"  {parity}");

        var latencies = scorers.Keys.ToDictionary(k => k, _ => new List<double>());
        var throughputs = scorers.Keys.ToDictionary(k => k, _ => new List<double>());
        using var csv = new CsvWriter(Path.Combine(dir, "inference.csv"), "round", "model", "metric", "value");
        for (int round = 1; round <= rounds; round++)
        {
            var order = which.Skip((round - 1) % which.Length).Concat(which.Take((round - 1) % which.Length));
            foreach (var name in order)
            {
                var scorer = scorers[name];
                for (int i = 0; i < 200; i++)
                    scorer.PredictOne(rows[i % rows.Length]);
                for (int i = 0; i < perRound; i++)
                {
                    var input = rows[(round * perRound + i) % rows.Length];
                    long t0 = Stopwatch.GetTimestamp();
                    scorer.PredictOne(input);
                    latencies[name].Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
                long t1 = Stopwatch.GetTimestamp();
                long scored = scorer.ScoreAll(test, rows, transformRows);
                double rps = scored / Stopwatch.GetElapsedTime(t1).TotalSeconds;
                throughputs[name].Add(rps);
                csv.Row(round, name, "p50_us", Stats.Percentile(latencies[name].TakeLast(perRound), 50));
                csv.Row(round, name, "p99_us", Stats.Percentile(latencies[name].TakeLast(perRound), 99));
                csv.Row(round, name, "transform_rows_per_s", rps);
                Console.WriteLine($"  round {round} {name,-18} p50 {Stats.Percentile(latencies[name].TakeLast(perRound), 50):F1} µs, p99 {Stats.Percentile(latencies[name].TakeLast(perRound), 99):F1} µs, batch {rps:F0} rows/s");
            }
        }

        var md = new StringBuilder();
        md.AppendLine($"### Inference ({rounds} rounds × {perRound} single-row predictions per model, alternated; batch = {transformRows:N0} test rows)");
        md.AppendLine();
        md.AppendLine($"Load average at the start: {loadAtStart}. {parity}");
        md.AppendLine();
        md.AppendLine("| model | how it scores | single-row p50 µs | p99 µs | batch rows/s (median) |");
        md.AppendLine("|---|---|---:|---:|---:|");
        foreach (var name in which)
        {
            md.AppendLine($"| {name} | {scorers[name].Description} | {Stats.Percentile(latencies[name], 50):F1} | {Stats.Percentile(latencies[name], 99):F1} | {Stats.Median(throughputs[name]):F0} |");
            scorers[name].Dispose();
        }
        md.AppendLine();
        md.AppendLine($"Load average at the end: {LoadAverage}.");
        Results.Markdown(args, "inference.md", md.ToString());
        return 0;
    }

    private static string LoadAverage => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>How far BatchPredictor's results are from model.Transform's on the same zip and rows.</summary>
    private static string BatchParity(string models, IDataView test)
    {
        var ml = new MLContext(seed: 1);
        string zip = Path.Combine(models, "dnn.zip");
        var scored = ml.Model.Load(zip, out _).Transform(test);
        var scores = scored.GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        var labels = scored.GetColumn<uint>("PredictedLabel").ToArray();
        using var predictor = BatchPredictor.Load<MulticlassBatchPredictor>(ml, zip);
        var batch = predictor.Predict(test);
        double maxDiff = scores.Zip(batch.Scores, (a, b) => Math.Abs((double)a - b)).Max();
        int identical = scores.Zip(batch.Scores).Count(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
        int mismatches = labels.Zip(batch.PredictedLabels).Count(p => p.First != p.Second);
        return $"BatchPredictor vs Transform on dnn.zip, {labels.Length:N0} rows: max |Δ Score| = {maxDiff:G3}, " +
            $"{identical:N0} of {scores.Length:N0} scores bit-identical, {mismatches} PredictedLabel mismatches.";
    }

    private abstract class Scorer : IDisposable
    {
        public abstract string Description { get; }

        public abstract void PredictOne(float[] features);

        /// <summary>Scores the first <paramref name="count"/> test rows and reads every prediction; returns the rows scored.</summary>
        public abstract long ScoreAll(IDataView test, float[][] rows, int count);

        public virtual void Dispose()
        {
        }

        public static Scorer Create(string name, string models, DataViewSchema trainSchema) => name switch
        {
            "dnn" or "lightgbm" or "sdca" => new MlNetScorer(Path.Combine(models, name + ".zip"), $"PredictionEngine over {name}.zip"),
            "dnn-nocheck" => new MlNetScorer(BuildCheckVariant(models, trainSchema, withCheck: false), "dnn.zip without the feature-width check (as zips were before it)"),
            "dnn-widthcheck" => new MlNetScorer(BuildCheckVariant(models, trainSchema, withCheck: true), "dnn.zip with FeatureWidthCheck in front of the OnnxTransformer"),
            "dnn-batch" => new BatchScorer(Path.Combine(models, "dnn.zip"), intraOpThreads: 0),
            "dnn-batch-intra1" => new BatchScorer(Path.Combine(models, "dnn.zip"), intraOpThreads: 1),
            "dnn-intra1" => new MlNetScorer(BuildIntraOneZip(models, trainSchema), "dnn network in a zip built with OnnxOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 } (ML.NET does not save them: it reloads with ORT defaults)"),
            "ort-direct" => new OrtScorer(Path.Combine(models, "dnn.onnx"), intraOpThreads: 0),
            "ort-direct-intra1" => new OrtScorer(Path.Combine(models, "dnn.onnx"), intraOpThreads: 1),
            _ => throw new ArgumentException($"Unknown model '{name}'."),
        };

        /// <summary>dnn.zip's chain with or without the feature-width check in front, saved as its own zip.</summary>
        private static string BuildCheckVariant(string models, DataViewSchema trainSchema, bool withCheck)
        {
            var ml = new MLContext(seed: 1);
            var chain = ((TransformerChain<ITransformer>)ml.Model.Load(Path.Combine(models, "dnn.zip"), out _)).ToList();
            var core = chain.Where(t => !FeatureWidthCheck.IsWidthCheck(t)).ToList();
            if (withCheck)
                core.Insert(0, FeatureWidthCheck.Create(ml, trainSchema, "Features"));
            var zip = Path.Combine(models, withCheck ? "dnn-widthcheck.zip" : "dnn-nocheck.zip");
            ml.Model.Save(OnnxScoringChain.Chain(core.ToArray()), trainSchema, zip);
            return zip;
        }

        /// <summary>
        /// The DNN's scoring chain rebuilt from its ONNX graph with one ORT thread, then saved and loaded back like any
        /// zip, so the figure shows whether ML.NET keeps the thread options in the zip.
        /// </summary>
        private static string BuildIntraOneZip(string models, DataViewSchema trainSchema)
        {
            var ml = new MLContext(seed: 1);
            var onnxPath = Path.Combine(models, "dnn.onnx");
            var onnx = ml.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = onnxPath,
                InputColumns = new[] { "Features" },
                OutputColumns = new[] { DeepNeuralNetworkTrainerBase<MulticlassDeepNeuralNetworkTransformer>.NetworkOutputColumnName },
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
            }).Fit(ml.Data.LoadFromEnumerable(Array.Empty<BenchImage>()));
            var withOutput = onnx.GetOutputSchema(trainSchema);
            var head = PredictionHeads.CreateMulticlass(ml, withOutput, DeepNeuralNetworkTrainerBase<MulticlassDeepNeuralNetworkTransformer>.NetworkOutputColumnName, "Label", 10);
            var chain = OnnxScoringChain.Chain(onnx, head);
            var zip = Path.Combine(models, "dnn-intra1.zip");
            ml.Model.Save(chain, trainSchema, zip);
            return zip;
        }
    }

    private sealed class MlNetScorer : Scorer
    {
        private readonly MLContext _ml = new(seed: 1);
        private readonly ITransformer _model;
        private readonly PredictionEngine<BenchImage, BenchPrediction> _engine;
        private readonly BenchImage _input = new();

        public MlNetScorer(string zip, string description)
        {
            _model = _ml.Model.Load(zip, out _);
            _engine = _ml.Model.CreatePredictionEngine<BenchImage, BenchPrediction>(_model);
            Description = description;
        }

        public override string Description { get; }

        public override void PredictOne(float[] features)
        {
            _input.Features = features;
            _ = _engine.Predict(_input).PredictedLabel;
        }

        public override long ScoreAll(IDataView test, float[][] rows, int count)
        {
            var scored = _model.Transform(test);
            var predicted = scored.Schema["PredictedLabel"];
            var score = scored.Schema["Score"];
            using var cursor = scored.GetRowCursor(new[] { predicted, score });
            var getLabel = cursor.GetGetter<uint>(predicted);
            var getScore = cursor.GetGetter<VBuffer<float>>(score);
            uint label = 0;
            VBuffer<float> scores = default;
            long n = 0;
            while (cursor.MoveNext())
            {
                getLabel(ref label);
                getScore(ref scores);
                n++;
            }
            return n;
        }

        public override void Dispose() => _engine.Dispose();
    }

    /// <summary>The product's batch API on dnn.zip: one row through Predict(span) for latency, Predict(IDataView) for throughput.</summary>
    private sealed class BatchScorer : Scorer
    {
        private readonly MulticlassBatchPredictor _predictor;

        public BatchScorer(string zip, int intraOpThreads)
        {
            _predictor = BatchPredictor.Load<MulticlassBatchPredictor>(new MLContext(seed: 1), zip, new BatchPredictorOptions { IntraOpThreads = intraOpThreads });
            Description = $"MulticlassBatchPredictor on dnn.zip (batches of 1,024, intra-op threads {(intraOpThreads == 0 ? "default" : intraOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture))}); Predict(IDataView) reads Score and PredictedLabel";
        }

        public override string Description { get; }

        public override void PredictOne(float[] features) => _ = _predictor.Predict(features.AsSpan()).PredictedLabels[0];

        public override long ScoreAll(IDataView test, float[][] rows, int count) => _predictor.Predict(test).RowCount;

        public override void Dispose() => _predictor.Dispose();
    }

    /// <summary>ONNX Runtime called directly: one preallocated input, batch scoring in chunks of 1,024 rows.</summary>
    private sealed class OrtScorer : Scorer
    {
        private readonly InferenceSession _session;
        private readonly string _input;
        private readonly float[] _one = new float[784];
        private readonly OrtValue _oneValue;
        private readonly RunOptions _run = new();

        public OrtScorer(string onnxPath, int intraOpThreads)
        {
            var options = new SessionOptions { IntraOpNumThreads = intraOpThreads, InterOpNumThreads = 1 };
            _session = new InferenceSession(onnxPath, options);
            _input = _session.InputMetadata.Keys.First();
            _oneValue = OrtValue.CreateTensorValueFromMemory(_one, new long[] { 1, 784 });
            Description = $"ONNX Runtime InferenceSession on dnn.onnx, intra-op threads {(intraOpThreads == 0 ? "default" : intraOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture))}; batch in chunks of 1,024";
        }

        public override string Description { get; }

        public override void PredictOne(float[] features)
        {
            features.CopyTo(_one, 0);
            using var outputs = _session.Run(_run, new[] { _input }, new[] { _oneValue }, _session.OutputNames);
            Argmax(outputs[0].GetTensorDataAsSpan<float>());
        }

        public override long ScoreAll(IDataView test, float[][] rows, int count)
        {
            const int chunk = 1024;
            var buffer = new float[chunk * 784];
            long n = 0;
            for (int start = 0; start < count; start += chunk)
            {
                int size = Math.Min(chunk, count - start);
                for (int i = 0; i < size; i++)
                    rows[start + i].CopyTo(buffer, i * 784);
                using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, size * 784), new long[] { size, 784 });
                using var outputs = _session.Run(_run, new[] { _input }, new[] { value }, _session.OutputNames);
                var probabilities = outputs[0].GetTensorDataAsSpan<float>();
                for (int i = 0; i < size; i++)
                    Argmax(probabilities.Slice(i * 10, 10));
                n += size;
            }
            return n;
        }

        private static int Argmax(ReadOnlySpan<float> values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] > values[best])
                    best = i;
            }
            return best;
        }

        public override void Dispose()
        {
            _oneValue.Dispose();
            _run.Dispose();
            _session.Dispose();
        }
    }
}
