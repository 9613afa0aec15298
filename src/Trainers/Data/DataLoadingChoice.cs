using Microsoft.ML;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Data;

/// <summary>Resolves <see cref="DeepNeuralNetworkOptions.DataLoading"/>: whether this training data is streamed, and why, for the log.</summary>
internal static class DataLoadingChoice
{
    /// <summary>The bytes the training rows take in memory as 32-bit floats.</summary>
    public static long InMemoryBytes(long rows, int width) => rows * width * sizeof(float);

    /// <summary>
    /// Whether <paramref name="data"/> is streamed; <paramref name="reason"/> says why, and <paramref name="rows"/> is the
    /// row count when it was known or counted (null when a forced mode made counting unnecessary).
    /// </summary>
    public static bool Streams(DeepNeuralNetworkOptions options, IDataView data, int width, out string reason, out long? rows)
    {
        rows = data.GetRowCount();
        switch (options.DataLoading)
        {
            case DataLoadingMode.InMemory:
                reason = "DataLoading is InMemory";
                return false;
            case DataLoadingMode.Streaming:
                reason = "DataLoading is Streaming";
                return true;
        }
        rows ??= CountRows(data);
        long bytes = InMemoryBytes(rows.Value, width);
        bool streams = bytes > options.InMemoryLimitBytes;
        reason = $"DataLoading is Auto and {rows} rows × {width} features take {bytes:N0} bytes, " +
            (streams ? "more than" : "within") + $" InMemoryLimitBytes ({options.InMemoryLimitBytes:N0})";
        return streams;
    }

    /// <summary>
    /// The rows of a view that does not know its count (a text file, a filter). No column is active, so a
    /// loader skips decoding values: far cheaper than the read it decides about.
    /// </summary>
    public static long CountRows(IDataView data)
    {
        long rows = 0;
        using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        while (cursor.MoveNext())
            rows++;
        return rows;
    }
}
