using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>Batch scoring for a binary MLNetDeep model; see <see cref="BatchPredictor"/>.</summary>
public sealed class BinaryBatchPredictor : BatchPredictor<BinaryBatchPredictions>
{
    private readonly LinearScore _score;
    private readonly ICalibrator _calibrator;
    private readonly float _threshold;
    private readonly bool _thresholdOnProbability;

    private BinaryBatchPredictor(OnnxBatchSession session, string featureColumnName, LinearScore score, ICalibrator calibrator, float threshold, bool thresholdOnProbability)
        : base(session, featureColumnName)
    {
        _score = score;
        _calibrator = calibrator;
        _threshold = threshold;
        _thresholdOnProbability = thresholdOnProbability;
    }

    /// <inheritdoc />
    public override ScoringTask Task => ScoringTask.BinaryClassification;

    internal static BinaryBatchPredictor? TryCreate(OnnxBatchSession session, ScoringChainParts parts, ITransformer head)
    {
        // The calibrated model type MLNetDeep's head uses is internal to ML.NET; its public base class carries the parts.
        if (head is not ISingleFeaturePredictionTransformer<object> { Model: CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator> calibrated } binary
            || !head.GetType().IsGenericType || head.GetType().GetGenericTypeDefinition() != typeof(BinaryPredictionTransformer<>)
            || binary.FeatureColumnName != parts.OutputColumn)
        {
            return null;
        }
        // ML.NET keeps the threshold and the column it applies to in internal fields.
        var (threshold, thresholdColumn) = MLNetInternals.BinaryThresholdOf(head);
        return new BinaryBatchPredictor(session, parts.InputColumn, LinearScore.Of(calibrated.SubModel, session.OutputWidth, parts.OutputColumn),
            calibrated.Calibrator, threshold, thresholdColumn == "Probability");
    }

    private protected override BinaryBatchPredictions Interpret(float[] networkOutputs, int rowCount)
    {
        int width = networkOutputs.Length / Math.Max(rowCount, 1);
        var scores = new float[rowCount];
        var probabilities = new float[rowCount];
        var labels = new bool[rowCount];
        for (int row = 0; row < rowCount; row++)
        {
            scores[row] = _score.Apply(networkOutputs.AsSpan(row * width, width));
            probabilities[row] = _calibrator.PredictProbability(scores[row]);
            labels[row] = (_thresholdOnProbability ? probabilities[row] : scores[row]) > _threshold;
        }
        return new BinaryBatchPredictions(scores, probabilities, labels);
    }
}
