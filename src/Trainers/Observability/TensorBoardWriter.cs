namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Writes scalars and histograms to a TensorBoard event file (<c>events.out.tfevents.*</c>) that
/// <c>tensorboard --logdir</c> reads, the same format TensorFlow and PyTorch's <c>SummaryWriter</c> write.
/// </summary>
/// <remarks>
/// <para>
/// Each writer creates its own new file in <see cref="LogDirectory"/> and never appends to another, so several runs
/// (or a train and a validation writer) can share a folder tree. TensorBoard treats each folder as one run: to overlay
/// training and validation curves as Keras does, write them to sibling folders under the same tag (see
/// <see cref="TensorBoardTrainingLogger"/>).
/// </para>
/// <para>
/// Events are buffered; <see cref="Flush"/> pushes them to disk (fsync), so a crash loses at most what was added
/// since the last flush. Calls are serialised with a lock, so the writer may be shared between threads.
/// </para>
/// </remarks>
public sealed class TensorBoardWriter : IDisposable
{
    private static int s_fileCounter;

    private readonly object _gate = new();
    private readonly Func<double> _clock;
    private readonly FileStream _file;
    private bool _disposed;

    /// <summary>Creates the log directory if needed and starts a new event file in it.</summary>
    /// <param name="logDirectory">The run's folder, e.g. "runs/mnist/train"; created if missing.</param>
    /// <exception cref="ArgumentException"><paramref name="logDirectory"/> is null or blank.</exception>
    /// <exception cref="IOException">The folder or file cannot be created; the message names the path.</exception>
    public TensorBoardWriter(string logDirectory)
        : this(logDirectory, () => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds)
    {
    }

    /// <summary>As the public constructor, with the wall clock (Unix seconds) replaceable for byte-exact tests.</summary>
    internal TensorBoardWriter(string logDirectory, Func<double> clock)
    {
        if (string.IsNullOrWhiteSpace(logDirectory))
        {
            throw new ArgumentException("The TensorBoard log directory must be a folder path, e.g. \"runs/experiment1\".", nameof(logDirectory));
        }
        _clock = clock;
        LogDirectory = Path.GetFullPath(logDirectory);
        try
        {
            Directory.CreateDirectory(LogDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the TensorBoard log directory '{LogDirectory}': {e.Message}", e);
        }
        var wallTime = _clock();
        (_file, FilePath) = CreateUniqueFile(LogDirectory, (long)wallTime);
        lock (_gate)
        {
            // Written and flushed at once, so TensorBoard lists the run as soon as training starts.
            TfRecordFraming.Write(_file, EventEncoder.FileVersion(wallTime));
            _file.Flush(flushToDisk: true);
        }
    }

    /// <summary>The absolute path of the folder the event file is in.</summary>
    public string LogDirectory { get; }

    /// <summary>The absolute path of this writer's event file, <c>events.out.tfevents.&lt;unix-seconds&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;</c>.</summary>
    public string FilePath { get; }

    /// <summary>Adds one point to the scalar series <paramref name="tag"/>.</summary>
    /// <param name="tag">The series name, e.g. "epoch_loss"; a "/" groups series into sections in TensorBoard.</param>
    /// <param name="step">The x position, e.g. the epoch.</param>
    /// <param name="value">The value; stored as a 32-bit float (<c>simple_value</c>), as TensorBoard expects. NaN and infinities are kept.</param>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is null or blank.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void AddScalar(string tag, long step, double value)
    {
        ValidateTag(tag);
        Append(EventEncoder.Scalar(_clock(), step, tag, (float)value));
    }

    /// <summary>
    /// Adds a histogram of <paramref name="values"/> (e.g. a layer's weights or gradients) to the series
    /// <paramref name="tag"/>, shown in TensorBoard's Histograms and Distributions tabs.
    /// </summary>
    /// <remarks>
    /// Buckets are TensorFlow's defaults: edges growing by 10% from ±1e-12 to ±1e20 around 0, so any scale is resolved
    /// to 10% without choosing a range; runs of empty buckets are merged, as TensorFlow does. NaN and infinities are
    /// left out, since TensorBoard cannot place them (TensorFlow refuses them outright; dropping them keeps a diverging
    /// run's log readable).
    /// </remarks>
    /// <param name="tag">The series name, e.g. "weights/dense_1".</param>
    /// <param name="step">The x position, e.g. the epoch.</param>
    /// <param name="values">The values to summarise; only the summary is stored.</param>
    /// <returns>True if written; false when no value was finite, in which case nothing is written.</returns>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is null or blank, or <paramref name="values"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public bool AddHistogram(string tag, long step, ReadOnlySpan<float> values)
    {
        ValidateTag(tag);
        if (values.IsEmpty)
        {
            throw new ArgumentException($"The histogram '{tag}' at step {step} has no values.", nameof(values));
        }
        var histogram = HistogramBuckets.Summarise(tag, step, _clock(), values);
        if (histogram is null)
        {
            return false;
        }
        Append(EventEncoder.Histogram(histogram));
        return true;
    }

    /// <summary>Writes buffered events through to disk (fsync), so they survive a crash. Call once per epoch.</summary>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Flushes and closes the file. Calling it again does nothing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            try
            {
                _file.Flush(flushToDisk: true);
            }
            finally
            {
                _file.Dispose();
            }
        }
    }

    private void Append(byte[] eventBytes)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            TfRecordFraming.Write(_file, eventBytes);
        }
    }

    private static void ValidateTag(string tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            throw new ArgumentException("A TensorBoard tag must be a non-blank name, e.g. \"epoch_loss\".", nameof(tag));
        }
    }

    private static (FileStream File, string Path) CreateUniqueFile(string directory, long unixSeconds)
    {
        var host = string.Concat(Environment.MachineName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        var pid = Environment.ProcessId;
        // The pid and a per-process counter keep two writers started in the same second apart, even across
        // processes; CreateNew rather than trusting them guards against the same folder on two hosts of one name.
        while (true)
        {
            var path = Path.Combine(directory, $"events.out.tfevents.{unixSeconds}.{host}.{pid}.{Interlocked.Increment(ref s_fileCounter)}");
            try
            {
                return (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read), path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Taken: the next counter value gives a fresh name.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"Cannot create the TensorBoard event file '{path}': {e.Message}", e);
            }
        }
    }
}
