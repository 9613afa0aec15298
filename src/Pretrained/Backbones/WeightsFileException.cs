namespace MLNetDeep.Pretrained.Backbones;

/// <summary>A weights file does not hold what the network needs: a layer is missing, extra, out of order or of the wrong shape, or the file is damaged.</summary>
public sealed class WeightsFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file that was read.</param>
    /// <param name="layerName">The layer (or tensor) at fault, when one is.</param>
    /// <param name="message">What is wrong and what was expected.</param>
    /// <param name="innerException">The reader's own error, when there is one.</param>
    public WeightsFileException(string filePath, string? layerName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        LayerName = layerName;
    }

    /// <summary>The file that was read.</summary>
    public string FilePath { get; }

    /// <summary>The Keras layer or tensor at fault; null when the fault is the file as a whole.</summary>
    public string? LayerName { get; }
}
