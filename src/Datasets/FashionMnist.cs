namespace MLNetDeep.Datasets;

/// <summary>
/// Loads Fashion-MNIST (Zalando Research; Xiao, Rasul and Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
/// Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017; MIT licence, © 2017 Zalando SE): 70,000
/// 28×28 grayscale images of clothing in 10 classes, from the four official IDX <c>.gz</c> files, checked against
/// their SHA-256 and split as in Géron's <i>Hands-On Machine Learning</i>, chapter 11: the last 5,000 training images
/// are the validation set, the first 55,000 the training set, and the 10,000 test images the test set.
/// </summary>
/// <example>
/// <code>
/// var data = FashionMnist.Load(new FashionMnistOptions { DataDirectory = FashionMnist.GetDataArgument(args) });
/// var pipeline = mlContext.Transforms.Conversion.MapKeyToValue("LabelName", "Label");
/// </code>
/// </example>
public static class FashionMnist
{
    /// <summary>Rows per image: 28.</summary>
    public const int ImageHeight = 28;

    /// <summary>Columns per image: 28.</summary>
    public const int ImageWidth = 28;

    /// <summary>Pixels per image, the size of the <c>Features</c> vector: 784.</summary>
    public const int PixelsPerImage = ImageHeight * ImageWidth;

    /// <summary>Number of classes: 10.</summary>
    public const int ClassCount = 10;

    /// <summary>Training images moved to the validation set unless <see cref="FashionMnistOptions.ValidationCount"/> says otherwise: 5,000.</summary>
    public const int DefaultValidationCount = 5_000;

    /// <summary>The official download host, used unless <see cref="FashionMnistOptions.BaseUrl"/> says otherwise.</summary>
    public const string DefaultBaseUrl = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    /// <summary>Environment variable naming the data folder, looked at after the command-line value: <c>MLNETDEEP_DATA</c>.</summary>
    public const string DataEnvironmentVariable = "MLNETDEEP_DATA";

    /// <summary>Command-line option naming the data folder, read by <see cref="GetDataArgument"/>: <c>--data</c>.</summary>
    public const string DataArgumentName = "--data";

    /// <summary>The training images file.</summary>
    public static FashionMnistFile TrainImages { get; } =
        new("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84");

    /// <summary>The training labels file.</summary>
    public static FashionMnistFile TrainLabels { get; } =
        new("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845");

    /// <summary>The test images file.</summary>
    public static FashionMnistFile TestImages { get; } =
        new("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073");

    /// <summary>The test labels file.</summary>
    public static FashionMnistFile TestLabels { get; } =
        new("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5");

    /// <summary>The four files, in download order.</summary>
    public static IReadOnlyList<FashionMnistFile> Files { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>The class names in label order (0 T-shirt/top … 9 Ankle boot); the key values of the <c>Label</c> column.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The per-user download cache: <c>%LOCALAPPDATA%\mlnetdeep\fashion-mnist</c> on Windows, elsewhere
    /// <c>$XDG_CACHE_HOME/mlnetdeep/fashion-mnist</c> when that variable holds an absolute path, else
    /// <c>~/.cache/mlnetdeep/fashion-mnist</c>. Read from the environment at each access.
    /// </summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            if (OperatingSystem.IsWindows())
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "mlnetdeep", "fashion-mnist");
            var xdgCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var cacheRoot = !string.IsNullOrEmpty(xdgCache) && Path.IsPathFullyQualified(xdgCache)
                ? xdgCache
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cacheRoot, "mlnetdeep", "fashion-mnist");
        }
    }

    /// <summary>
    /// Loads the three sets as data views with a <c>Features</c> column (784 floats, each pixel byte divided by 255f)
    /// and a <c>Label</c> key column (<c>Key&lt;UInt32&gt;</c>, 10 values) whose key values are <see cref="ClassNames"/>.
    /// </summary>
    /// <param name="options">Location, verification, split and caps; <see langword="null"/> (the default) uses the defaults of <see cref="FashionMnistOptions"/>.</param>
    /// <returns>Training (55,000 rows by default), validation (5,000) and test (10,000) views.</returns>
    /// <exception cref="DirectoryNotFoundException">The data folder was not found.</exception>
    /// <exception cref="FileNotFoundException">The folder lacks one of the four files.</exception>
    /// <exception cref="InvalidDataException">A file fails its SHA-256 check, is corrupt or truncated, or does not hold Fashion-MNIST.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A split or cap option is out of range.</exception>
    public static FashionMnistDataViews Load(FashionMnistOptions? options = null) => LoadArrays(options).ToDataViews();

    /// <summary>Loads the three sets as byte arrays (see <see cref="Load"/> for the split and the errors).</summary>
    /// <param name="options">Location, verification, split and caps; <see langword="null"/> (the default) uses the defaults of <see cref="FashionMnistOptions"/>.</param>
    /// <returns>Training, validation and test images with their labels.</returns>
    public static FashionMnistArrays LoadArrays(FashionMnistOptions? options = null)
    {
        options ??= new FashionMnistOptions();
        var directory = ResolveDataDirectory(options.DataDirectory, options);
        var missing = Files.Where(file => !File.Exists(file.PathIn(directory))).Select(file => file.FileName).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"The Fashion-MNIST folder '{directory}' lacks {string.Join(", ", missing)}: expected the four files " +
                $"{string.Join(", ", Files.Select(file => file.FileName))}.", Path.Combine(directory, missing[0]));
        if (options.VerifyHashes)
            VerifyFiles(directory);
        var train = ReadSet(directory, TrainImages, TrainLabels);
        var test = ReadSet(directory, TestImages, TestLabels);
        return FashionMnistArrays.Split(train, test, options, directory);
    }

    /// <summary>
    /// Finds the folder holding Fashion-MNIST, in this order: <paramref name="commandLineValue"/> (a <c>--data</c>
    /// value; it must exist); the <c>MLNETDEEP_DATA</c> environment variable (it must exist); the first
    /// <c>shared/datasets/fashion-mnist</c> folder holding the four files, searched upwards from each of
    /// <see cref="FashionMnistOptions.SearchStartDirectories"/>; the download cache, downloading the missing files
    /// when <see cref="FashionMnistOptions.AllowDownload"/> is set.
    /// </summary>
    /// <param name="commandLineValue">The <c>--data</c> value, or <see langword="null"/> when none was given.</param>
    /// <param name="options">Search starts, cache folder and download settings; <see langword="null"/> (the default) uses the defaults.</param>
    /// <returns>The full path of the folder.</returns>
    /// <exception cref="DirectoryNotFoundException">The command-line or environment folder does not exist, or no
    /// folder was found and downloading is off.</exception>
    /// <exception cref="HttpRequestException">A download failed.</exception>
    /// <exception cref="InvalidDataException">A downloaded file failed its SHA-256 check (nothing was written).</exception>
    public static string ResolveDataDirectory(string? commandLineValue, FashionMnistOptions? options = null) =>
        DataDirectoryResolver.Resolve(commandLineValue, options ?? new FashionMnistOptions());

    /// <summary>Returns the value of <c>--data &lt;dir&gt;</c> or <c>--data=&lt;dir&gt;</c> in <paramref name="args"/>.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>The folder given, or <see langword="null"/> when the option is absent.</returns>
    /// <exception cref="ArgumentException"><c>--data</c> is the last argument, with no value after it.</exception>
    public static string? GetDataArgument(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == DataArgumentName)
                return i + 1 < args.Count
                    ? args[i + 1]
                    : throw new ArgumentException($"{DataArgumentName} needs a folder after it, for example '{DataArgumentName} ../shared/datasets/fashion-mnist'.", nameof(args));
            if (args[i].StartsWith(DataArgumentName + "=", StringComparison.Ordinal))
                return args[i][(DataArgumentName.Length + 1)..];
        }
        return null;
    }

    /// <summary>Checks the SHA-256 of the four files in <paramref name="directory"/>.</summary>
    /// <param name="directory">The data folder.</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file's hash differs; the message names the file and both hashes.</exception>
    public static void VerifyFiles(string directory)
    {
        foreach (var file in Files)
        {
            var path = file.PathIn(directory);
            if (!File.Exists(path))
                throw new FileNotFoundException($"The Fashion-MNIST file '{path}' does not exist.", path);
            Sha256File.Verify(path, file.Sha256);
        }
    }

    /// <summary>
    /// Downloads those of the four files that <paramref name="directory"/> lacks from
    /// <see cref="FashionMnistOptions.BaseUrl"/>. Each file is written to a temporary file in the same folder, checked
    /// against its SHA-256, then renamed, so a failed or corrupt download leaves nothing behind. Files already there
    /// are kept as they are.
    /// </summary>
    /// <param name="directory">The folder to fill; created when missing.</param>
    /// <param name="options">Base URL and timeout; <see langword="null"/> (the default) uses the official host.</param>
    /// <exception cref="ArgumentException"><see cref="FashionMnistOptions.BaseUrl"/> is not an absolute http(s) URL.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached or answered with an error.</exception>
    /// <exception cref="InvalidDataException">A downloaded file failed its SHA-256 check.</exception>
    public static void Download(string directory, FashionMnistOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new FashionMnistOptions();
        if (options.BaseUrl is not { IsAbsoluteUri: true, Scheme: "http" or "https" })
            throw new ArgumentException($"FashionMnistOptions.BaseUrl is '{options.BaseUrl}'; expected an absolute http or https URL such as '{DefaultBaseUrl}'.", nameof(options));
        // Without a trailing slash, combining would replace the last path segment instead of appending the file name.
        var baseUrl = options.BaseUrl.AbsoluteUri.EndsWith('/') ? options.BaseUrl : new Uri(options.BaseUrl.AbsoluteUri + "/");
        using var http = new HttpClient { Timeout = options.DownloadTimeout };
        foreach (var file in Files.Where(file => !File.Exists(file.PathIn(directory))))
            VerifiedDownload.ToFile(http, new Uri(baseUrl, file.FileName), file.PathIn(directory), file.Sha256);
    }

    private static LabeledImages ReadSet(string directory, FashionMnistFile imagesFile, FashionMnistFile labelsFile)
    {
        var imagesPath = imagesFile.PathIn(directory);
        var labelsPath = labelsFile.PathIn(directory);
        var set = IdxReader.ReadLabeledImages(imagesPath, labelsPath);
        if (set.Height != ImageHeight || set.Width != ImageWidth)
            throw new InvalidDataException($"'{imagesPath}' holds images of {set.Height}x{set.Width}; Fashion-MNIST images are {ImageHeight}x{ImageWidth}.");
        var badLabel = set.Labels.AsSpan().IndexOfAnyInRange((byte)ClassCount, byte.MaxValue);
        if (badLabel >= 0)
            throw new InvalidDataException($"'{labelsPath}' has label {set.Labels[badLabel]} at index {badLabel}; Fashion-MNIST labels are 0..{ClassCount - 1}.");
        return set;
    }
}
