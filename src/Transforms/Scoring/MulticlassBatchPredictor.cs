using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>Batch scoring for a multiclass MLNetDeep model; see <see cref="BatchPredictor"/>.</summary>
public sealed class MulticlassBatchPredictor : BatchPredictor<MulticlassBatchPredictions>
{
    private readonly LinearScore[] _classes;

    private MulticlassBatchPredictor(OnnxBatchSession session, string featureColumnName, LinearScore[] classes)
        : base(session, featureColumnName) => _classes = classes;

    /// <inheritdoc />
    public override ScoringTask Task => ScoringTask.MulticlassClassification;

    /// <summary>The number of classes.</summary>
    public int ClassCount => _classes.Length;

    internal static MulticlassBatchPredictor? TryCreate(OnnxBatchSession session, ScoringChainParts parts, ITransformer head)
    {
        if (head is not MulticlassPredictionTransformer<LinearMulticlassModelParameters> multiclass || multiclass.FeatureColumnName != parts.OutputColumn)
            return null;
        VBuffer<float>[] weights = Array.Empty<VBuffer<float>>();
        multiclass.Model.GetWeights(ref weights, out int classCount);
        var biases = multiclass.Model.GetBiases().ToArray();
        if (classCount != session.OutputWidth || weights.Length != classCount || biases.Length != classCount || weights.Any(w => w.Length != session.OutputWidth))
        {
            throw new InvalidDataException(
                $"The multiclass head has {classCount} classes over {weights.FirstOrDefault().Length} inputs, but the ONNX graph's '{parts.OutputColumn}' has {session.OutputWidth} values per row.");
        }
        var classes = new LinearScore[classCount];
        for (int k = 0; k < classCount; k++)
            classes[k] = new LinearScore(weights[k].GetValues().ToArray(), weights[k].IsDense ? null : weights[k].GetIndices().ToArray(), biases[k]);
        return new MulticlassBatchPredictor(session, parts.InputColumn, classes);
    }

    private protected override MulticlassBatchPredictions Interpret(float[] networkOutputs, int rowCount)
    {
        int k = _classes.Length;
        var scores = new float[rowCount * k];
        var labels = new uint[rowCount];
        for (int row = 0; row < rowCount; row++)
        {
            var output = networkOutputs.AsSpan(row * k, k);
            var score = scores.AsSpan(row * k, k);
            for (int c = 0; c < k; c++)
                score[c] = _classes[c].Apply(output);
            labels[row] = (uint)(ArgMax(score) + 1);
        }
        return new MulticlassBatchPredictions(scores, labels, k);
    }

    /// <summary>ML.NET's argmax: the first index of the highest value, NaNs ignored; −1 when all are NaN.</summary>
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = -1;
        float max = float.NegativeInfinity;
        for (int i = values.Length - 1; i >= 0; i--)
        {
            if (max <= values[i])
            {
                best = i;
                max = values[i];
            }
        }
        return best;
    }
}
