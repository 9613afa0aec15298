namespace MLNetDeep.Datasets;

/// <summary>
/// One of the four official Fashion-MNIST IDX files: its file name (as published and as looked for in a data folder)
/// and the SHA-256 of the compressed <c>.gz</c> file, which the loader and the downloader check.
/// </summary>
/// <param name="FileName">File name, for example <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="Sha256">Lower-case hexadecimal SHA-256 of the official <c>.gz</c> file.</param>
public sealed record FashionMnistFile(string FileName, string Sha256)
{
    /// <summary>Returns the full path of this file inside <paramref name="directory"/>.</summary>
    /// <param name="directory">The data folder.</param>
    /// <returns><paramref name="directory"/> combined with <see cref="FileName"/>.</returns>
    public string PathIn(string directory) => Path.Combine(directory, FileName);
}
