using System.Globalization;
using Chapter11.Experiments;

namespace Chapter11;

/// <summary>The command line: picks the experiments and runs them with the shared settings.</summary>
public static class Chapter11App
{
    /// <summary>Every experiment, by its subcommand name, in the chapter's order.</summary>
    public static IReadOnlyDictionary<string, Func<ExperimentSettings, ExperimentResult>> Experiments { get; } =
        new Dictionary<string, Func<ExperimentSettings, ExperimentResult>>(StringComparer.Ordinal)
        {
            ["vanishing-gradients"] = VanishingGradients.Run,
            ["activations"] = Comparisons.Activations,
            ["batch-norm"] = Comparisons.BatchNorm,
            ["optimizers"] = Comparisons.Optimizers,
            ["schedules"] = Comparisons.Schedules,
            ["regularization"] = Comparisons.Regularization,
            ["lr-finder"] = LearningRateFinderExperiment.Run,
            ["reuse-layers"] = ReuseLayers.Run,
            ["callbacks"] = Callbacks.Run,
        };

    /// <summary>Runs the experiments <paramref name="args"/> name; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: Chapter11 <experiment|all> [--quick] [--epochs N] [--seeds N] [--train-rows N] [--momentum M] [--seed N] [--rates R1,R2] [--data DIR] [--output DIR] [--threads N]");
            Console.WriteLine("experiments: " + string.Join(", ", Experiments.Keys));
            return args.Length == 0 ? 2 : 0;
        }
        var names = args[0] == "all" ? Experiments.Keys.ToList() : new List<string> { args[0] };
        var unknown = names.FirstOrDefault(n => !Experiments.ContainsKey(n));
        if (unknown is not null)
        {
            Console.Error.WriteLine($"Unknown experiment '{unknown}'; expected all or one of: {string.Join(", ", Experiments.Keys)}.");
            return 2;
        }
        var settings = ExperimentSettings.Parse(args.Skip(1).ToArray());
        foreach (var name in names)
        {
            Console.WriteLine($"== {name}{(settings.Quick ? " (quick)" : "")}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = Experiments[name](settings.For(name));
            result.Write();
            Console.WriteLine(result.Table.ToMarkdown());
            Console.WriteLine($"wrote {result.Directory} in {clock.Elapsed.TotalSeconds:F0} s");
        }
        return 0;
    }
}
