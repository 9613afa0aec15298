namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// A multiclass model's predictions for a batch of rows: what <c>model.Transform</c> puts in the <c>Score</c> and
/// <c>PredictedLabel</c> columns.
/// </summary>
public sealed class MulticlassBatchPredictions
{
    internal MulticlassBatchPredictions(float[] scores, uint[] predictedLabels, int classCount)
    {
        Scores = scores;
        PredictedLabels = predictedLabels;
        ClassCount = classCount;
    }

    /// <summary>The number of rows scored.</summary>
    public int RowCount => PredictedLabels.Length;

    /// <summary>The number of classes: the length of each row's score vector.</summary>
    public int ClassCount { get; }

    /// <summary>Every row's <c>Score</c> vector (the class probabilities), row after row: <c>RowCount × ClassCount</c> values.</summary>
    public float[] Scores { get; }

    /// <summary>
    /// Every row's <c>PredictedLabel</c> key, as ML.NET gives it: 1 + the index of the first highest score (NaN scores
    /// ignored), or 0 when every score is NaN. The label column's key values map keys to class names.
    /// </summary>
    public uint[] PredictedLabels { get; }

    /// <summary>Row <paramref name="row"/>'s score vector.</summary>
    /// <param name="row">0 to <see cref="RowCount"/> − 1.</param>
    public ReadOnlySpan<float> GetScores(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        return Scores.AsSpan(row * ClassCount, ClassCount);
    }
}
