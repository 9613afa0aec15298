using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Trainers.Onnx.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>
/// Figure 7 (issue 12): ResNet50V2 at 224x224. (a) Forward images/s at batch 1 and 16, TorchSharp (eval, no grad)
/// against ONNX Runtime on the graph our exporter writes; (b) one fine-tuning step of the top block (conv5_block3,
/// post_bn and a 5-class head train, the rest frozen in inference mode, Adam, batch 16), TorchSharp against PyTorch on
/// the same architecture (bench/pytorch/resnet50v2_finetune.py). Contenders alternate within each round, the first
/// call of each being warm-up; min and median over all timed calls.
/// </summary>
internal static class ResNet50V2Bench
{
    private const int Size = 224;

    public static int Run(Args args)
    {
        string dir = Results.Directory(args);
        int rounds = args.Int("--rounds", 3);
        int threads = args.Int("--threads", 2);
        int forwardCalls = args.Int("--forward-calls", 4);
        int stepCalls = args.Int("--steps", 2);
        int stepBatch = args.Int("--step-batch", 16);
        int[] batches = [.. args.List("--batches", "1,16").Select(b => int.Parse(b, CultureInfo.InvariantCulture))];
        string python = args.Get("--python", "/usr/bin/python3");
        bool withPyTorch = !args.Flag("--no-pytorch");
        torch.set_num_threads(threads);
        string loadAtStart = LoadAverage.Now();

        torch.manual_seed(1);
        using var network = ResNet50V2Network.Create();
        network.eval();
        var model = TorchSharpOnnxExporter.Export(network, [3, Size, Size]).ToByteArray();
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, sessionOptions);

        var samples = new List<(int Round, string Measure, string Contender, double Seconds, int Images)>();
        using var csv = new CsvWriter(Path.Combine(dir, "resnet50v2.csv"), "round", "measure", "contender", "seconds", "images");
        void Record(int round, string measure, string contender, double seconds, int images)
        {
            samples.Add((round, measure, contender, seconds, images));
            csv.Row(round, measure, contender, seconds, images);
        }

        for (int round = 1; round <= rounds; round++)
        {
            foreach (var batch in batches)
            {
                var images = torch.rand(batch, 3, Size, Size) * 2 - 1;
                var values = images.data<float>().ToArray();
                // Alternate which contender goes first, so neither always gets the quieter half of a round.
                var order = round % 2 == 1 ? new[] { "torchsharp", "onnxruntime" } : ["onnxruntime", "torchsharp"];
                foreach (var contender in order)
                {
                    for (int call = 0; call <= forwardCalls; call++)
                    {
                        var clock = Stopwatch.StartNew();
                        if (contender == "torchsharp")
                            TorchForward(network, images);
                        else
                            OrtForward(session, values, batch);
                        if (call > 0)
                            Record(round, $"forward b{batch}", contender, clock.Elapsed.TotalSeconds, batch);
                    }
                }
                images.Dispose();
            }

            var stepOrder = round % 2 == 1 ? new[] { "torchsharp", "pytorch" } : ["pytorch", "torchsharp"];
            foreach (var contender in stepOrder)
            {
                if (contender == "torchsharp")
                {
                    foreach (var seconds in TorchSharpSteps(stepBatch, stepCalls))
                        Record(round, $"fine-tune step b{stepBatch}", contender, seconds, stepBatch);
                }
                else if (withPyTorch)
                {
                    foreach (var seconds in PyTorchSteps(python, args, stepBatch, stepCalls, threads))
                        Record(round, $"fine-tune step b{stepBatch}", contender, seconds, stepBatch);
                }
            }
            Console.WriteLine($"  round {round} done (load average {LoadAverage.Now()})");
        }

        var md = new StringBuilder();
        md.AppendLine($"ResNet50V2, {Size}x{Size}, {threads} threads, {rounds} rounds (load average {loadAtStart} at the start, {LoadAverage.Now()} at the end).");
        md.AppendLine();
        md.AppendLine("| measure | contender | calls | min s | median s | images/s at the median | images/s at the min |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var group in samples.GroupBy(s => (s.Measure, s.Contender)))
        {
            var seconds = group.Select(s => s.Seconds).ToList();
            int perCall = group.First().Images;
            md.AppendLine($"| {group.Key.Measure} | {group.Key.Contender} | {seconds.Count} | {Stats.F(seconds.Min())} | {Stats.F(Stats.Median(seconds))} | "
                + $"{Stats.F(perCall / Stats.Median(seconds), "F1")} | {Stats.F(perCall / seconds.Min(), "F1")} |");
        }
        Results.Markdown(args, "resnet50v2.md", md.ToString());
        return 0;
    }

    private static void TorchForward(nn.Module<Tensor, Tensor> network, Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        network.call(images).data<float>().ToArray();
    }

    private static void OrtForward(InferenceSession session, float[] values, int batch)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(values, [batch, 3, Size, Size]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["Features"], [input], ["Output"]);
        outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>One warm-up step, then <paramref name="steps"/> timed ones, each in its own dispose scope.</summary>
    private static List<double> TorchSharpSteps(int batch, int steps)
    {
        torch.manual_seed(1);
        var parts = ResNet50V2BackboneParts.Create();
        using var head = nn.Linear(ResNet50V2Network.FeatureCount, 5);
        using var network = nn.Sequential(("backbone", parts.Module), ("head", head));
        parts.TrainTopBlocks(2);
        network.eval();
        foreach (var block in new[] { "conv5_block3", "post_bn" })
            network.named_modules().Single(m => m.name == $"backbone.{block}").module.train();
        head.train();
        using var optimizer = torch.optim.Adam(network.parameters().Where(p => p.requires_grad), 1e-3);
        using var images = torch.rand(batch, 3, Size, Size) * 2 - 1;
        using var labels = torch.randint(0, 5, [batch]);
        return [.. TrainingSteps.TorchSharp(steps, optimizer, () => nn.functional.cross_entropy(network.call(images), labels)).Select(t => t.Seconds)];
    }

    private static List<double> PyTorchSteps(string python, Args args, int batch, int steps, int threads)
    {
        var script = Path.Combine(args.Get("--pytorch-dir", Path.Combine("bench", "pytorch")), "resnet50v2_finetune.py");
        return [.. TrainingSteps.PyTorch(python, [script, "--batch", Inv(batch), "--steps", Inv(steps), "--threads", Inv(threads), "--size", Inv(Size)], "python3-torch").Select(t => t.Seconds)];
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);
}
