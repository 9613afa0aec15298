// MLNetDeep benchmarks (issue 6). Run from the repository root; bench/run.sh runs every subcommand in order.
//
//   dotnet run -c Release --project bench/MLNetDeep.Bench -- <command> [--option value ...]
//
// Commands: throughput, ablation, interleave, fitparts, ceiling, accuracy, search, inference, memory, scale, resnet50v2, tabular, images (images-fit is its child). Each writes
// bench/results/<command>.csv and .md (or --out DIR).
using System.Globalization;
using MLNetDeep.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: MLNetDeep.Bench <throughput|ablation|interleave|ceiling|accuracy|search|inference|memory|scale|resnet50v2|tabular|images> [--option value ...]");
    return 2;
}

var options = new Args(args.Skip(1));
Console.WriteLine($"# {string.Join(' ', args)}");
// The bench's own libtorch loops (bare TorchSharp, matmul-only) run the kernels that Fit chooses, before their first
// matmul; MKL_ENABLE_INSTRUCTIONS (any value) measures MKL's own vendor-based choice instead.
if (args[0] is "throughput" or "ablation" or "interleave" or "ceiling")
    Console.WriteLine($"# {MLNetDeep.Trainers.Hosting.MathKernelDispatch.EnsureApplied()}");
return args[0] switch
{
    "throughput" => Throughput.Run(options),
    "ablation" => Ablation.Run(options),
    "interleave" => Interleaved.Run(options),
    "ceiling" => Ceiling.Run(options),
    "accuracy" => Accuracy.Run(options),
    "search" => Accuracy.Search(options),
    "inference" => Inference.Run(options),
    "memory" => Memory.Run(options),
    "scale" => Scale.Run(options),
    "fitparts" => FitParts.Run(options),
    "resnet50v2" => ResNet50V2Bench.Run(options),
    "tabular" => Tabular.Run(options),
    "images" => Images.Run(options),
    "images-fit" => ImageMemoryBench.Fit(options),
    "firstepoch" => FirstEpoch.Run(options),
    _ => Unknown(args[0]),
};

static int Unknown(string command)
{
    Console.Error.WriteLine($"Unknown command '{command}'.");
    return 2;
}
