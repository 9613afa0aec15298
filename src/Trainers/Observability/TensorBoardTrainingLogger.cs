namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Logs a training run to TensorBoard the way Keras' <c>TensorBoard</c> callback lays it out: a <c>train</c> and a
/// <c>validation</c> run under one folder, with the same tags (<c>epoch_loss</c>, <c>epoch_&lt;metric&gt;</c>), so
/// TensorBoard draws training and validation as two curves on one chart.
/// </summary>
/// <remarks>
/// Layout under <see cref="LogDirectory"/>: <c>train/</c> gets <c>epoch_loss</c>, <c>epoch_&lt;metric&gt;</c>,
/// <c>epoch_learning_rate</c> and <c>gradient_norm/&lt;layer&gt;</c>; <c>validation/</c> gets <c>epoch_loss</c> and
/// <c>epoch_&lt;metric&gt;</c>, and is only created once an epoch has validation values. Step is the epoch number.
/// Point <c>tensorboard --logdir</c> at <see cref="LogDirectory"/> or any folder above it.
/// </remarks>
public sealed class TensorBoardTrainingLogger : IDisposable
{
    private TensorBoardWriter? _validation;
    private bool _disposed;

    /// <summary>Starts the <c>train</c> run under <paramref name="logDirectory"/> (created if missing).</summary>
    /// <param name="logDirectory">The folder for this training run, e.g. "runs/mnist-2024-05-01".</param>
    /// <exception cref="ArgumentException"><paramref name="logDirectory"/> is null or blank.</exception>
    /// <exception cref="IOException">A folder or file cannot be created; the message names the path.</exception>
    public TensorBoardTrainingLogger(string logDirectory)
    {
        if (string.IsNullOrWhiteSpace(logDirectory))
        {
            throw new ArgumentException("The TensorBoard log directory must be a folder path, e.g. \"runs/experiment1\".", nameof(logDirectory));
        }
        LogDirectory = Path.GetFullPath(logDirectory);
        Train = new TensorBoardWriter(Path.Combine(LogDirectory, "train"));
    }

    /// <summary>The absolute path of the run's folder.</summary>
    public string LogDirectory { get; }

    /// <summary>The <c>train</c> run's writer, e.g. for weight histograms: <c>Train.AddHistogram("weights/dense_1", epoch, values)</c>.</summary>
    public TensorBoardWriter Train { get; }

    /// <summary>The <c>validation</c> run's writer, created on first use.</summary>
    /// <exception cref="ObjectDisposedException">The logger was disposed.</exception>
    public TensorBoardWriter Validation
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _validation ??= new TensorBoardWriter(Path.Combine(LogDirectory, "validation"));
        }
    }

    /// <summary>Logs one epoch's losses, metrics and learning rate, then flushes both runs to disk.</summary>
    /// <param name="epoch">The epoch's record, as the training loop adds it to <see cref="TrainingHistory.Epochs"/>.</param>
    /// <param name="metricName">The metric's name, <see cref="TrainingHistory.MetricName"/> (e.g. "accuracy" gives the tag "epoch_accuracy").</param>
    /// <exception cref="ArgumentException"><paramref name="metricName"/> is null or blank.</exception>
    public void LogEpoch(EpochRecord epoch, string metricName)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        if (string.IsNullOrWhiteSpace(metricName))
        {
            throw new ArgumentException("The metric name must be non-blank, e.g. TrainingHistory.MetricName (\"accuracy\").", nameof(metricName));
        }
        Train.AddScalar("epoch_loss", epoch.Epoch, epoch.TrainLoss);
        Train.AddScalar($"epoch_{metricName}", epoch.Epoch, epoch.TrainMetric);
        Train.AddScalar("epoch_learning_rate", epoch.Epoch, epoch.LearningRate);
        if (epoch.ValidationLoss is { } validationLoss)
        {
            Validation.AddScalar("epoch_loss", epoch.Epoch, validationLoss);
        }
        if (epoch.ValidationMetric is { } validationMetric)
        {
            Validation.AddScalar($"epoch_{metricName}", epoch.Epoch, validationMetric);
        }
        Flush();
    }

    /// <summary>Logs one epoch's per-layer mean gradient norms as <c>gradient_norm/&lt;layer&gt;</c> in the train run, then flushes.</summary>
    /// <param name="record">The epoch's norms.</param>
    public void LogGradientNorms(GradientNormRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var (layer, norm) in record.MeanNormByLayer)
        {
            Train.AddScalar($"gradient_norm/{layer}", record.Epoch, norm);
        }
        Flush();
    }

    /// <summary>Writes both runs' buffered events through to disk.</summary>
    public void Flush()
    {
        Train.Flush();
        _validation?.Flush();
    }

    /// <summary>Flushes and closes both runs' files. Calling it again does nothing.</summary>
    public void Dispose()
    {
        _disposed = true;
        try
        {
            Train.Dispose();
        }
        finally
        {
            _validation?.Dispose();
        }
    }
}
