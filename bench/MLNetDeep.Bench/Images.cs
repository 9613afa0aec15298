namespace MLNetDeep.Bench;

/// <summary>
/// Figure 9 (issue 16), the image estimator on flowers-small with ResNet18: (a) phase-1 feature extraction,
/// (b) peak memory of Fit, (c) cold start and single-image latency of the saved zip, (d) phase-2 training steps against
/// PyTorch. <c>--parts extraction,memory,serving,steps</c> picks some; serving needs the zip that memory saves
/// (<c>--zip</c> names an existing one instead).
/// </summary>
internal static class Images
{
    public static int Run(Args args)
    {
        var dir = Results.Directory(args);
        var parts = args.List("--parts", "extraction,memory,serving,steps");
        var flowers = Flowers.From(args);
        Console.WriteLine($"flowers-small: {flowers.Photos.Count} photos of {flowers.ClassNames.Length} classes in {flowers.Folder}; load average {LoadAverage.Now()}");
        var zip = args.Get("--zip", Path.Combine(Path.GetTempPath(), "mlnetdeep-bench-flowers.zip"));
        foreach (var part in parts)
        {
            Console.WriteLine($"== images {part} (load average {LoadAverage.Now()})");
            switch (part)
            {
                case "extraction": ImageExtractionBench.Run(args, flowers, dir); break;
                case "memory": ImageMemoryBench.Run(args, dir, zip); break;
                case "serving": ImageServingBench.Run(args, flowers, dir, zip); break;
                case "steps": ImageFineTuneStepsBench.Run(args, flowers, dir); break;
                default: throw new ArgumentException($"Unknown part '{part}' (extraction, memory, serving, steps).");
            }
        }
        return 0;
    }
}
