namespace MLNetDeep.Trainers;

/// <summary>How Fit reads the training and validation data (see <see cref="TrainingOptions.DataLoading"/>).</summary>
public enum DataLoadingMode
{
    /// <summary>
    /// In memory while the training data's size (rows × features × 4 bytes) is at most
    /// <see cref="TrainingOptions.InMemoryLimitBytes"/>, streamed above it. When the view does not know
    /// its row count (a text file, a filter), a counting pass that reads no column finds it first.
    /// </summary>
    Auto,

    /// <summary>Every row is read once into one tensor; batches are gathered from it. Fastest, but memory grows with the data.</summary>
    InMemory,

    /// <summary>
    /// Each epoch reads the view through a row cursor into fixed batch buffers, shuffled through a buffer of
    /// <see cref="TrainingOptions.ShuffleBufferRows"/> rows, so memory is bounded by the buffers, not the data.
    /// </summary>
    Streaming,
}
