using System.Diagnostics;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Pretrained.FeatureExtraction;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Onnx;
using MLNetDeep.Transforms.Onnx.Surgery;

// Usage: dotnet run -c Release --project bench/FeatureExtraction -- [images=64] [threads=2] [repeats=3] [--torch] [flowers folder]
// --torch adds the imported TorchSharp module (eval, no_grad) for comparison.
var withTorch = args.Contains("--torch");
args = args.Where(a => a != "--torch").ToArray();
var imageCount = args.Length > 0 ? int.Parse(args[0]) : 64;
var threads = args.Length > 1 ? int.Parse(args[1]) : 2;
var repeats = args.Length > 2 ? int.Parse(args[2]) : 3;
var flowers = args.Length > 3 ? args[3] : FindFlowers();

var package = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .First(a => a.Key == "PkgMicrosoft_ML_DnnImageFeaturizer_ResNet18").Value!;
var models = Path.Combine(package, "tools", "DnnImageModels");
var resnet = OnnxModelReader.Read(Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx"));
var preprocess = OnnxModelReader.Read(Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
// The featurizer as one batch-dynamic graph: RGB 0..255 in, 512 pooled features out.
var featurizer = OnnxBatchDimension.MakeDynamic(OnnxGraphSplice.Splice(preprocess, resnet));

var paths = Directory.GetFiles(flowers, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(imageCount).ToArray();
var clock = Stopwatch.StartNew();
var images = ImageTensorLoader.LoadBatch(paths);
Console.WriteLine($"decoded and resized {paths.Length} JPEGs in {clock.Elapsed.TotalSeconds:F2} s ({paths.Length / clock.Elapsed.TotalSeconds:F0} images/s, 1 thread)");
Console.WriteLine($"{Environment.ProcessorCount} logical cores; intra-op threads {threads}; {repeats} timed passes of {paths.Length} images after one warm-up pass");
Console.WriteLine($"load average at start: {LoadAverage()}");
Console.WriteLine();
Console.WriteLine("| engine | batch | images/s (median pass) | images/s (best pass) | ms/image (median) | CPU ms/image (median) |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");

foreach (var batch in new[] { 1, 8, 32 })
{
    using var extractor = new OnnxFeatureExtractor(featurizer, new OnnxFeatureExtractorOptions { BatchSize = batch, IntraOpThreads = threads });
    Report("ONNX Runtime (CPU)", batch, () => extractor.Extract(images, paths.Length));
}

Console.WriteLine($"load average after ONNX Runtime: {LoadAverage()}");
if (withTorch)
    RunTorchSharp();

Console.WriteLine($"load average at end: {LoadAverage()}");

void RunTorchSharp()
{
    torch.set_num_threads(threads);
    using var module = OnnxImporter.Load(resnet);
    using var prep = OnnxImporter.Load(preprocess);
    module.eval();
    prep.eval();
    foreach (var batch in new[] { 1, 8, 32 })
    {
        Report("TorchSharp imported module (CPU)", batch, () =>
        {
            using var _ = no_grad();
            for (var start = 0; start < paths.Length; start += batch)
            {
                using var scope = NewDisposeScope();
                var count = Math.Min(batch, paths.Length - start);
                var x = torch.tensor(images.AsSpan(start * 3 * 224 * 224, count * 3 * 224 * 224).ToArray(), [count, 3, 224, 224]);
                module.forward(prep.forward(x)).data<float>().ToArray();
            }
        });
    }
}

void Report(string engine, int batch, Action pass)
{
    pass();
    var seconds = new List<double>();
    var cpuSeconds = new List<double>();
    var process = Process.GetCurrentProcess();
    for (var r = 0; r < repeats; r++)
    {
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var timer = Stopwatch.StartNew();
        pass();
        seconds.Add(timer.Elapsed.TotalSeconds);
        process.Refresh();
        // CPU time is less sensitive than wall time to other processes sharing the cores.
        cpuSeconds.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
    }
    var median = seconds.Order().ElementAt(seconds.Count / 2);
    var cpuMedian = cpuSeconds.Order().ElementAt(cpuSeconds.Count / 2);
    Console.WriteLine($"| {engine} | {batch} | {paths.Length / median:F1} | {paths.Length / seconds.Min():F1} | {1000 * median / paths.Length:F1} | {1000 * cpuMedian / paths.Length:F1} |");
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static string FindFlowers()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "shared", "datasets", "flowers-small");
        if (Directory.Exists(candidate))
            return candidate;
    }
    throw new DirectoryNotFoundException("shared/datasets/flowers-small not found above the binaries; pass the folder as the fourth argument.");
}
