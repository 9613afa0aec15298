namespace MLNetDeep.Trainers.Observability;

/// <summary>What <see cref="TensorBoardEventReader.Read"/> found in one event file, in file order.</summary>
public sealed class TensorBoardEventFile
{
    internal TensorBoardEventFile(string path, string? fileVersion, int eventCount,
        IReadOnlyList<TensorBoardScalar> scalars, IReadOnlyList<TensorBoardHistogram> histograms)
    {
        Path = path;
        FileVersion = fileVersion;
        EventCount = eventCount;
        Scalars = scalars;
        Histograms = histograms;
    }

    /// <summary>The file that was read.</summary>
    public string Path { get; }

    /// <summary>
    /// The <c>file_version</c> of the first event ("brain.Event:2" for files TensorBoard reads); null when the first
    /// event has none or the file is empty.
    /// </summary>
    public string? FileVersion { get; }

    /// <summary>How many events (records) the file holds, the <c>file_version</c> event included.</summary>
    public int EventCount { get; }

    /// <summary>Every scalar: <c>simple_value</c> ones and TF2's one-element float or double tensors.</summary>
    public IReadOnlyList<TensorBoardScalar> Scalars { get; }

    /// <summary>Every histogram stored as a <c>HistogramProto</c> (TF2's tensor-encoded histograms are not read).</summary>
    public IReadOnlyList<TensorBoardHistogram> Histograms { get; }
}
