using Microsoft.ML;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>A <see cref="BatchPredictor"/> whose results are <typeparamref name="TPredictions"/>.</summary>
/// <typeparam name="TPredictions">The task's predictions for a batch of rows.</typeparam>
public abstract class BatchPredictor<TPredictions> : BatchPredictor
{
    private protected BatchPredictor(OnnxBatchSession session, string featureColumnName)
        : base(session, featureColumnName)
    {
    }

    /// <summary>Scores rows laid out one after another: row i is <c>rows[i × FeatureCount .. (i + 1) × FeatureCount]</c>.</summary>
    /// <param name="rows">A whole number of rows of <see cref="BatchPredictor.FeatureCount"/> floats.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="BatchPredictor.FeatureCount"/>.</exception>
    public TPredictions Predict(ReadOnlySpan<float> rows)
    {
        var outputs = RunNetwork(rows, out int rowCount);
        return Interpret(outputs, rowCount);
    }

    /// <summary>Scores one array of <see cref="BatchPredictor.FeatureCount"/> floats per row.</summary>
    /// <param name="rows">The rows.</param>
    /// <exception cref="ArgumentException">A row is null or has another length; the message gives its index.</exception>
    public TPredictions Predict(IReadOnlyList<float[]> rows)
    {
        var outputs = RunNetwork(rows);
        return Interpret(outputs, rows.Count);
    }

    /// <summary>Scores every row of <paramref name="data"/>, reading only its feature column.</summary>
    /// <param name="data">Data whose <see cref="BatchPredictor.FeatureColumnName"/> column is a vector of <see cref="BatchPredictor.FeatureCount"/> Single values.</param>
    /// <exception cref="ArgumentException">The column is missing or has another type or width.</exception>
    public TPredictions Predict(IDataView data)
    {
        var outputs = RunNetwork(data, out int rowCount);
        return Interpret(outputs, rowCount);
    }

    /// <summary>Applies the prediction head to the network's row-major outputs for <paramref name="rowCount"/> rows.</summary>
    private protected abstract TPredictions Interpret(float[] networkOutputs, int rowCount);
}
