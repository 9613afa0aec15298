using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using MLNetDeep.Pretrained;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.FeatureExtraction;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Transforms.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 9d: phase-2 training steps in images/s, TorchSharp against PyTorch on the same network and threads. The network
/// is the ResNet18 backbone graph the estimator builds (<see cref="BackboneGraph"/>), imported with
/// <see cref="OnnxImporter"/> for TorchSharp and run node by node with torch.nn.functional by
/// bench/pytorch/resnet18_finetune.py from the same .onnx file (which first checks its features against ONNX Runtime's).
/// The top residual block (its 2 convolutions and 2 batch norms) and a 5-class linear head train; every batch norm uses
/// its running statistics; Adam 1e-4, cross-entropy, batch 16 of decoded flowers-small photos at 224 px. Per round, one
/// warm-up step then --steps timed steps per contender, the order alternating between rounds; PyTorch runs in a child
/// process per round (its start-up is not timed).
/// </summary>
internal static class ImageFineTuneStepsBench
{
    /// <summary>ResNet18's last basic block, as FineTuningOptions.UnfrozenBlocks = 1 means it: Conv381, BN383, Conv387, BN389.</summary>
    private const int TopBlockLayers = 4;

    public static void Run(Args args, Flowers flowers, string dir)
    {
        int rounds = args.Int("--step-rounds", 5);
        int steps = args.Int("--steps", 3);
        int batch = args.Int("--step-batch", 16);
        int[] threadCounts = args.Ints("--step-threads", "1,2");
        string python = args.Get("--python", "/usr/bin/python3");
        var script = Path.Combine(args.Get("--pytorch-dir", Path.Combine("bench", "pytorch")), "resnet18_finetune.py");
        var graph = BackboneGraph.Build(ImageBackbone.ResNet18);
        var rows = flowers.Rows(flowers.Photos.Count);
        // One photo of every class in turn, so the batch holds all 5 classes.
        var picked = Enumerable.Range(0, batch).Select(i => rows[i % 5 * (rows.Count / 5) + i / 5]).ToList();
        var pixels = new float[batch * graph.PixelCount];
        for (var i = 0; i < batch; i++)
            ImageDecoder.Decode(picked[i].Encoded, graph.DecodedSize, pixels.AsSpan(i * graph.PixelCount, graph.PixelCount), picked[i].Source);
        long[] labels = [.. picked.Select(r => (long)r.Class)];

        var temp = Directory.CreateTempSubdirectory("mlnetdeep-images-bench-");
        try
        {
            var modelPath = Path.Combine(temp.FullName, "backbone.onnx");
            File.WriteAllBytes(modelPath, graph.Model.ToByteArray());
            var pixelsPath = Path.Combine(temp.FullName, "pixels.f32");
            File.WriteAllBytes(pixelsPath, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());
            var expectedPath = Path.Combine(temp.FullName, "features.f32");
            using (var extractor = new OnnxFeatureExtractor(graph.Model, new OnnxFeatureExtractorOptions { BatchSize = batch, OutputName = BackboneGraph.FeaturesOutput }))
                File.WriteAllBytes(expectedPath, System.Runtime.InteropServices.MemoryMarshal.AsBytes(extractor.Extract(pixels, batch).AsSpan()).ToArray());

            using var backbone = OnnxImporter.Load(graph.Model, new OnnxImportOptions { BatchNormStatistics = BatchNormStatisticsMode.Frozen });
            backbone.TrainOnlyLastLayers(TopBlockLayers);
            var trainLayers = string.Join(",", backbone.Layers.Where(l => l.Trainable).Select(l => l.Name));
            Console.WriteLine($"trained layers: {trainLayers}");
            using var images = torch.tensor(pixels, [batch, 3, graph.DecodedSize, graph.DecodedSize]);
            using var targets = torch.tensor(labels);

            var samples = new List<(int Round, int Threads, string Contender, double Seconds, double CpuSeconds)>();
            using var csv = new CsvWriter(Path.Combine(dir, "images-steps.csv"), "round", "threads", "contender", "batch", "seconds", "cpu_seconds", "load_average");
            for (int round = 1; round <= rounds; round++)
            {
                foreach (var threads in threadCounts)
                {
                    var order = round % 2 == 1 ? new[] { "torchsharp", "pytorch" } : ["pytorch", "torchsharp"];
                    foreach (var contender in order)
                    {
                        var times = contender == "torchsharp"
                            ? TorchSharpSteps(backbone, images, targets, steps, threads)
                            : PyTorchSteps(python, script, modelPath, pixelsPath, expectedPath, labels, trainLayers, steps, threads, round == 1);
                        foreach (var (seconds, cpu) in times)
                        {
                            samples.Add((round, threads, contender, seconds, cpu));
                            csv.Row(round, threads, contender, batch, seconds, cpu, LoadAverage.Now());
                        }
                        Console.WriteLine($"  round {round}, {threads} thread(s), {contender}: median step {Stats.Median(times.Select(t => t.Seconds)):F3} s, "
                            + $"{Stats.Median(times.Select(t => t.CpuSeconds)):F3} CPU s (load {LoadAverage.Now()})");
                    }
                }
            }

            var md = new StringBuilder();
            md.AppendLine($"Phase-2 training step (top block + linear head, batch {batch}, 224 px), {rounds} rounds × {steps} timed steps per contender.");
            md.AppendLine();
            md.AppendLine("| threads | contender | steps | min s | median s | images/s (median) | images/s (best) | CPU s per step (median) | per-round ratio of medians to PyTorch (median, range) |");
            md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---|");
            foreach (var group in samples.GroupBy(s => (s.Threads, s.Contender)))
            {
                var seconds = group.Select(s => s.Seconds).ToList();
                var ratios = group.GroupBy(s => s.Round).Select(r => Stats.Median(r.Select(s => s.Seconds))
                    / Stats.Median(samples.Where(o => o.Round == r.Key && o.Threads == group.Key.Threads && o.Contender == "pytorch").Select(o => o.Seconds))).ToList();
                md.AppendLine($"| {group.Key.Threads} | {group.Key.Contender} | {seconds.Count} | {Stats.F(seconds.Min())} | {Stats.F(Stats.Median(seconds))} | "
                    + $"{Stats.F(batch / Stats.Median(seconds), "F1")} | {Stats.F(batch / seconds.Min(), "F1")} | {Stats.F(Stats.Median(group.Select(s => s.CpuSeconds)))} | {Stats.F(Stats.Median(ratios), "F2")} ({Stats.F(ratios.Min(), "F2")}–{Stats.F(ratios.Max(), "F2")}) |");
            }
            Results.Markdown(args, "images-steps.md", md.ToString());
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>A fresh head and optimizer, one warm-up step, then <paramref name="steps"/> timed ones, each in its own dispose scope.</summary>
    private static List<(double Seconds, double CpuSeconds)> TorchSharpSteps(OnnxModule backbone, Tensor images, Tensor labels, int steps, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        using var head = nn.Linear(512, 5);
        var trainable = backbone.parameters().Where(p => p.requires_grad).Concat(head.parameters()).ToArray();
        using var optimizer = torch.optim.Adam(trainable, 1e-4);
        backbone.train();
        head.train();
        return TrainingSteps.TorchSharp(steps, optimizer, () => nn.functional.cross_entropy(head.call(backbone.call(images)), labels));
    }

    private static List<(double Seconds, double CpuSeconds)> PyTorchSteps(string python, string script, string model, string pixels, string expected, long[] labels,
        string trainLayers, int steps, int threads, bool check)
    {
        var arguments = new List<string> { script, "--model", model, "--images", pixels, "--labels", string.Join(",", labels), "--train-layers", trainLayers,
            "--steps", Inv(steps), "--threads", Inv(threads) };
        if (check)
            arguments.AddRange(["--check", pixels, expected]);
        return TrainingSteps.PyTorch(python, arguments, "python3-torch and python3-onnx");
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);
}
