namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// A binary model's predictions for a batch of rows: what <c>model.Transform</c> puts in the <c>Score</c>,
/// <c>Probability</c> and <c>PredictedLabel</c> columns.
/// </summary>
public sealed class BinaryBatchPredictions
{
    internal BinaryBatchPredictions(float[] scores, float[] probabilities, bool[] predictedLabels)
    {
        Scores = scores;
        Probabilities = probabilities;
        PredictedLabels = predictedLabels;
    }

    /// <summary>The number of rows scored.</summary>
    public int RowCount => Scores.Length;

    /// <summary>Every row's <c>Score</c>: the network's logit.</summary>
    public float[] Scores { get; }

    /// <summary>Every row's <c>Probability</c>: the head's Platt calibrator applied to the score (the sigmoid for MLNetDeep models).</summary>
    public float[] Probabilities { get; }

    /// <summary>Every row's <c>PredictedLabel</c>: true when the thresholded column (Probability for MLNetDeep models) is above the threshold.</summary>
    public bool[] PredictedLabels { get; }
}
