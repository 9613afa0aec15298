using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNetDeep.Pretrained;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.FeatureExtraction;
using MLNetDeep.Transforms.Imaging;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 9a: phase-1 feature extraction in images/s on flowers-small with the ResNet18 backbone graph the estimator
/// builds (<see cref="BackboneGraph"/>: preprocessing, ResNet18 made batch-dynamic, flattened features). Contenders, each
/// over the same decoded images: <see cref="OnnxFeatureExtractor"/> at the estimator's FeatureBatchSize and at 1, a bare
/// ONNX Runtime <see cref="InferenceSession"/> on the same graph at the same batch sizes, and the estimator's whole
/// phase-1 path (decoding in parallel + extraction, <c>ImageFeatureExtraction.Compute</c>). Each (threads, contender)
/// gets a fresh session per round and one warm-up batch; the order of contenders rotates from round to round.
/// </summary>
internal static class ImageExtractionBench
{
    public static void Run(Args args, Flowers flowers, string dir)
    {
        int rounds = args.Int("--rounds", 5);
        int count = Math.Min(args.Int("--images", 64), flowers.Photos.Count);
        int[] threadCounts = args.Ints("--threads", "1,2");
        int batch = new ImageTransferLearningOptions().FeatureBatchSize;
        var graph = BackboneGraph.Build(ImageBackbone.ResNet18);
        var model = graph.Model.ToByteArray();
        var rows = flowers.Rows(count);
        var pixels = new float[count * graph.PixelCount];
        var clock = Stopwatch.StartNew();
        Parallel.For(0, count, i => ImageDecoder.Decode(rows[i].Encoded, graph.DecodedSize, pixels.AsSpan(i * graph.PixelCount, graph.PixelCount), rows[i].Source));
        Console.WriteLine($"decoded {count} images to {graph.DecodedSize}x{graph.DecodedSize} in {clock.Elapsed.TotalSeconds:F2} s (not timed below, except by 'estimator')");

        // ort-nospin-*: the bare session with ONNX Runtime's intra-op spin-waiting off (session.intra_op.allow_spinning = 0).
        // extractor-*: OnnxFeatureExtractor's default, spinning off since issue 16's follow-up; extractor-spin-*: AllowSpinning = true, ORT's default (the extractor before).
        string[] contenders = args.List("--contenders", $"extractor-b{batch},extractor-b1,ort-b{batch},ort-b1,estimator-b{batch}");
        var samples = new List<(int Round, int Threads, string Contender, double Seconds, double CpuSeconds)>();
        using var csv = new CsvWriter(Path.Combine(dir, "images-extraction.csv"), "round", "threads", "contender", "images", "seconds", "cpu_seconds", "load_average");
        float[]? reference = null;
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var threads in threadCounts)
            {
                var order = contenders.Skip((round - 1) % contenders.Length).Concat(contenders.Take((round - 1) % contenders.Length));
                foreach (var contender in order)
                {
                    var (seconds, cpu, features) = Pass(contender, graph, model, rows, pixels, count, threads, batch);
                    // Every contender must compute the same features, or the comparison means nothing.
                    reference ??= features;
                    var difference = reference.Zip(features, (a, b) => Math.Abs(a - b)).Max();
                    if (difference > 1e-3)
                        throw new InvalidOperationException($"{contender} gave features {difference} away from the first contender's.");
                    samples.Add((round, threads, contender, seconds, cpu));
                    csv.Row(round, threads, contender, count, seconds, cpu, LoadAverage.Now());
                    Console.WriteLine($"  round {round}, {threads} thread(s), {contender}: {count / seconds:F1} images/s (load {LoadAverage.Now()})");
                }
            }
        }

        var md = new StringBuilder();
        md.AppendLine($"Phase-1 feature extraction, ResNet18 backbone graph, {count} flowers-small images per pass, {rounds} rounds; images/s = {count} / pass time.");
        md.AppendLine();
        md.AppendLine($"| threads | contender | passes | min s | median s | images/s (median) | images/s (best) | CPU ms/image (median) | per-round ratio to ort-b{batch} (median, range) |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var group in samples.GroupBy(s => (s.Threads, s.Contender)))
        {
            var seconds = group.Select(s => s.Seconds).ToList();
            // Per-round ratios to the bare session at the same batch size and threads, when it ran.
            var ratios = group.Select(s => samples.Where(o => o.Round == s.Round && o.Threads == s.Threads && o.Contender == $"ort-b{batch}")
                .Select(o => s.Seconds / o.Seconds).DefaultIfEmpty(double.NaN).First()).ToList();
            md.AppendLine($"| {group.Key.Threads} | {group.Key.Contender} | {seconds.Count} | {Stats.F(seconds.Min())} | {Stats.F(Stats.Median(seconds))} | "
                + $"{Stats.F(count / Stats.Median(seconds), "F1")} | {Stats.F(count / seconds.Min(), "F1")} | {Stats.F(1000 * Stats.Median(group.Select(s => s.CpuSeconds)) / count, "F1")} | "
                + $"{Stats.F(Stats.Median(ratios), "F2")} ({Stats.F(ratios.Min(), "F2")}–{Stats.F(ratios.Max(), "F2")}) |");
        }
        Results.Markdown(args, "images-extraction.md", md.ToString());
    }

    private static (double Seconds, double CpuSeconds, float[] Features) Pass(string contender, BackboneGraph graph, byte[] model,
        List<Pretrained.Imaging.ImageRow> rows, float[] pixels, int count, int threads, int defaultBatch)
    {
        var batch = contender.EndsWith("-b1", StringComparison.Ordinal) ? 1 : defaultBatch;
        Func<float[]> pass;
        IDisposable? owned;
        if (contender.StartsWith("extractor", StringComparison.Ordinal))
        {
            var extractor = new OnnxFeatureExtractor(graph.Model, new OnnxFeatureExtractorOptions
            {
                BatchSize = batch,
                IntraOpThreads = threads,
                OutputName = BackboneGraph.FeaturesOutput,
                AllowSpinning = contender.StartsWith("extractor-spin", StringComparison.Ordinal),
            });
            owned = extractor;
            extractor.Extract(pixels.AsSpan(0, Math.Min(batch, count) * graph.PixelCount), Math.Min(batch, count));
            pass = () => extractor.Extract(pixels, count);
        }
        else if (contender.StartsWith("ort", StringComparison.Ordinal))
        {
            var bare = new BareSession(model, threads, graph.PixelCount, graph.DecodedSize, spinning: !contender.Contains("nospin", StringComparison.Ordinal));
            owned = bare;
            bare.Run(pixels, 0, Math.Min(batch, count));
            pass = () => bare.RunAll(pixels, count, batch);
        }
        else
        {
            owned = null;
            // The estimator's own path, decoding included; a fresh in-memory cache, so nothing is found in it.
            ImageFeatureExtraction.Compute(rows.Take(batch).ToList(), graph, new FeatureCache(null), batch, threads, "ResNet18", _ => { }, out _, CancellationToken.None);
            pass = () => ImageFeatureExtraction.Compute(rows, graph, new FeatureCache(null), batch, threads, "ResNet18", _ => { }, out _, CancellationToken.None);
        }
        try
        {
            var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var features = pass();
            var seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            return (seconds, (process.TotalProcessorTime - cpuBefore).TotalSeconds, features);
        }
        finally
        {
            owned?.Dispose();
        }
    }

    /// <summary>ONNX Runtime with nothing of ours around it: one session, a preallocated input per run.</summary>
    private sealed class BareSession(byte[] model, int threads, int pixelCount, int size, bool spinning) : IDisposable
    {
        private readonly SessionOptions _options = new() { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        private InferenceSession? _session;

        private InferenceSession Session
        {
            get
            {
                if (_session is null && !spinning)
                    _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                return _session ??= new InferenceSession(model, _options);
            }
        }

        public float[] RunAll(float[] pixels, int count, int batch)
        {
            var features = new List<float>(count * 512);
            for (var start = 0; start < count; start += batch)
                features.AddRange(Run(pixels, start, Math.Min(batch, count - start)));
            return [.. features];
        }

        public float[] Run(float[] pixels, int start, int batch)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                pixels.AsMemory(start * pixelCount, batch * pixelCount), [batch, 3, size, size]);
            using var runOptions = new RunOptions();
            using var outputs = Session.Run(runOptions, [ImageDecoding.PixelsColumn], [input], [BackboneGraph.FeaturesOutput]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        public void Dispose()
        {
            _session?.Dispose();
            _options.Dispose();
        }
    }
}
