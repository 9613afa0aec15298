namespace MLNetDeep.Transforms.Scoring;

/// <summary>A regression model's predictions for a batch of rows: what <c>model.Transform</c> puts in the <c>Score</c> column.</summary>
public sealed class RegressionBatchPredictions
{
    internal RegressionBatchPredictions(float[] scores) => Scores = scores;

    /// <summary>The number of rows scored.</summary>
    public int RowCount => Scores.Length;

    /// <summary>Every row's <c>Score</c>, in label units.</summary>
    public float[] Scores { get; }
}
