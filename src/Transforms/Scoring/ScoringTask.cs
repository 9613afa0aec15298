namespace MLNetDeep.Transforms.Scoring;

/// <summary>What a saved model predicts, read from its ML.NET prediction transformer.</summary>
public enum ScoringTask
{
    /// <summary>A <c>MulticlassPredictionTransformer</c>: a <c>Score</c> vector and a key <c>PredictedLabel</c>.</summary>
    MulticlassClassification,

    /// <summary>A <c>BinaryPredictionTransformer</c>: <c>Score</c>, <c>Probability</c> and a Boolean <c>PredictedLabel</c>.</summary>
    BinaryClassification,

    /// <summary>A <c>RegressionPredictionTransformer</c>: a scalar <c>Score</c>.</summary>
    Regression,
}
