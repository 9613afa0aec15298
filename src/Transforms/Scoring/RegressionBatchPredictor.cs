using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>Batch scoring for a regression MLNetDeep model; see <see cref="BatchPredictor"/>.</summary>
public sealed class RegressionBatchPredictor : BatchPredictor<RegressionBatchPredictions>
{
    private readonly LinearScore _score;

    private RegressionBatchPredictor(OnnxBatchSession session, string featureColumnName, LinearScore score)
        : base(session, featureColumnName) => _score = score;

    /// <inheritdoc />
    public override ScoringTask Task => ScoringTask.Regression;

    internal static RegressionBatchPredictor? TryCreate(OnnxBatchSession session, ScoringChainParts parts, ITransformer head)
    {
        if (head is not RegressionPredictionTransformer<LinearRegressionModelParameters> regression || regression.FeatureColumnName != parts.OutputColumn)
            return null;
        return new RegressionBatchPredictor(session, parts.InputColumn, LinearScore.Of(regression.Model, session.OutputWidth, parts.OutputColumn));
    }

    private protected override RegressionBatchPredictions Interpret(float[] networkOutputs, int rowCount)
    {
        int width = networkOutputs.Length / Math.Max(rowCount, 1);
        var scores = new float[rowCount];
        for (int row = 0; row < rowCount; row++)
            scores[row] = _score.Apply(networkOutputs.AsSpan(row * width, width));
        return new RegressionBatchPredictions(scores);
    }
}
