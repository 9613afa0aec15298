namespace MLNetDeep.Datasets;

/// <summary>Where Fashion-MNIST is found or downloaded, whether it is verified, and how it is split and capped.</summary>
public sealed class FashionMnistOptions
{
    /// <summary>
    /// The folder holding the four <c>.gz</c> files, taken first like a <c>--data</c> command-line value (it must
    /// exist). Default <see langword="null"/>: the folder is found by <see cref="FashionMnist.ResolveDataDirectory"/>
    /// (environment variable <c>MLNETDEEP_DATA</c>, then <c>shared/datasets/fashion-mnist</c> above the working and
    /// application folders, then the download cache).
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// Whether each file's SHA-256 is checked against the official value before it is read. Default
    /// <see langword="true"/>. Downloads are always checked, whatever this says.
    /// </summary>
    public bool VerifyHashes { get; set; } = true;

    /// <summary>
    /// How many of the 60,000 training images, taken from the end, form the validation set (Géron's split).
    /// Default 5,000: training keeps the first 55,000. Must be at least 0 and below the training image count.
    /// </summary>
    public int ValidationCount { get; set; } = FashionMnist.DefaultValidationCount;

    /// <summary>
    /// Keep at most this many training images (the first ones of the training part). Default <see langword="null"/>:
    /// keep all. Must be at least 0.
    /// </summary>
    public int? MaxTrainRows { get; set; }

    /// <summary>
    /// Keep at most this many validation images (the first ones of the validation part, which itself is taken from the
    /// end of the training file). Default <see langword="null"/>: keep all. Must be at least 0.
    /// </summary>
    public int? MaxValidationRows { get; set; }

    /// <summary>
    /// Keep at most this many test images (the first ones of the test file). Default <see langword="null"/>: keep all
    /// 10,000. Must be at least 0.
    /// </summary>
    public int? MaxTestRows { get; set; }

    /// <summary>
    /// Whether missing files are downloaded into <see cref="CacheDirectory"/> when no other folder holds the data.
    /// Default <see langword="true"/>.
    /// </summary>
    public bool AllowDownload { get; set; } = true;

    /// <summary>
    /// The download cache folder. Default <see langword="null"/>: <see cref="FashionMnist.DefaultCacheDirectory"/>
    /// (<c>$XDG_CACHE_HOME/mlnetdeep/fashion-mnist</c>, else <c>~/.cache/mlnetdeep/fashion-mnist</c>; on Windows under
    /// the local application data folder).
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// Where the files are downloaded from: each file is fetched from this URL followed by its file name. Default
    /// <see cref="FashionMnist.DefaultBaseUrl"/>, the official Zalando host.
    /// </summary>
    public Uri BaseUrl { get; set; } = new(FashionMnist.DefaultBaseUrl);

    /// <summary>The longest one file's download may take. Default 10 minutes.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The folders from which <c>shared/datasets/fashion-mnist</c> is searched for, each folder and then its parents.
    /// Default <see langword="null"/>: the working directory, then <see cref="AppContext.BaseDirectory"/>.
    /// </summary>
    public IReadOnlyList<string>? SearchStartDirectories { get; set; }
}
