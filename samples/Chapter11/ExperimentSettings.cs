using System.Globalization;
using Microsoft.ML;
using MLNetDeep.Datasets;

namespace Chapter11;

/// <summary>What every experiment shares: the data, the output folder, quick mode, the epochs and seeds asked for.</summary>
public sealed class ExperimentSettings
{
    private FashionMnistArrays? _data;

    /// <summary>The experiment's own output folder (set by <see cref="For"/>), or the root before that.</summary>
    public string OutputDirectory { get; private init; } = Path.Combine("artifacts", "chapter11");

    /// <summary>Small data, small networks, one or two epochs: a smoke run in seconds.</summary>
    public bool Quick { get; private init; }

    /// <summary>--epochs: overrides each experiment's epoch count.</summary>
    public int? Epochs { get; private init; }

    /// <summary>--seeds: how many seeds the experiments that average over seeds use.</summary>
    public int? Seeds { get; private init; }

    /// <summary>--data, else the usual lookup (MLNETDEEP_DATA, ../shared/datasets/fashion-mnist, the download cache).</summary>
    public string? DataDirectory { get; private init; }

    /// <summary>--train-rows: use only the first N training images (a shorter full run on a slow machine).</summary>
    public int? TrainRows { get; private init; }

    /// <summary>--momentum: vanishing-gradients only, SGD's momentum instead of the book's plain SGD (0).</summary>
    public double? Momentum { get; private init; }

    /// <summary>--seed: vanishing-gradients and lr-finder only, the trainer's seed instead of 42.</summary>
    public int? Seed { get; private init; }

    /// <summary>--rates: lr-finder only, more constant learning rates to train the sample's network with (comma-separated).</summary>
    public IReadOnlyList<double> ConstantRates { get; private init; } = Array.Empty<double>();

    /// <summary>--threads: libtorch's intra-op threads during each Fit.</summary>
    public int? Threads { get; private init; }

    /// <summary>The machine and date, for the tables' footers.</summary>
    public static string Machine =>
        $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";

    /// <summary>Parses the options after the experiment name.</summary>
    public static ExperimentSettings Parse(string[] args)
    {
        string? Value(string name)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        int? Int(string name) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
        return new ExperimentSettings
        {
            Quick = args.Contains("--quick"),
            Epochs = Int("--epochs"),
            Seeds = Int("--seeds"),
            DataDirectory = Value("--data"),
            OutputDirectory = Value("--output") ?? Path.Combine("artifacts", "chapter11"),
            Threads = Int("--threads"),
            TrainRows = Int("--train-rows"),
            Momentum = Value("--momentum") is { } m ? MomentumOf(m) : null,
            Seed = Int("--seed"),
            ConstantRates = Value("--rates") is { } r ? RatesOf(r) : Array.Empty<double>(),
        };
    }

    private static double[] RatesOf(string text) => text.Split(',').Select(part =>
        double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) && rate > 0 && double.IsFinite(rate)
            ? rate
            : throw new ArgumentException($"--rates is {text}; '{part}' is not a learning rate: expected positive numbers separated by commas, such as 0.0005,0.001.")).ToArray();

    private static double MomentumOf(string text)
    {
        double momentum = double.Parse(text, CultureInfo.InvariantCulture);
        if (!(momentum >= 0 && momentum < 1))
            throw new ArgumentException($"--momentum is {text}; expected a value in [0, 1) (0 is the book's plain SGD).");
        return momentum;
    }

    /// <summary>The same settings with <see cref="OutputDirectory"/> set to the experiment's folder (data shared).</summary>
    public ExperimentSettings For(string experiment)
    {
        var settings = new ExperimentSettings
        {
            Quick = Quick, Epochs = Epochs, Seeds = Seeds, DataDirectory = DataDirectory, Threads = Threads, TrainRows = TrainRows, Momentum = Momentum, Seed = Seed, ConstantRates = ConstantRates,
            OutputDirectory = Path.Combine(OutputDirectory, experiment),
        };
        settings._data = _data ??= Load();
        return settings;
    }

    /// <summary>The epochs to train: --epochs, else <paramref name="full"/>, or <paramref name="quick"/> in quick mode.</summary>
    public int EpochsOr(int full, int quick = 1) => Epochs ?? (Quick ? quick : full);

    /// <summary>Fashion-MNIST: 55,000 training, 5,000 validation, 10,000 test images (quick: the first 2,000, the last 500 of the training file, 500 test images).</summary>
    public FashionMnistArrays Data => _data ??= Load();

    /// <summary>A context seeded so every run is reproducible.</summary>
    public static MLContext NewContext(int seed = 42) => new(seed: seed);

    private FashionMnistArrays Load()
    {
        var options = new FashionMnistOptions { DataDirectory = FashionMnist.ResolveDataDirectory(DataDirectory), MaxTrainRows = TrainRows };
        if (Quick)
        {
            options.ValidationCount = 500;
            options.MaxTrainRows = 2_000;
            options.MaxTestRows = 500;
            // Quick mode is also the CI smoke test, which writes small synthetic IDX files: their hashes are not the official ones.
            options.VerifyHashes = false;
        }
        return FashionMnist.LoadArrays(options);
    }
}
