namespace MLNetDeep.Trainers.Data;

/// <summary>
/// Rows read out of an <c>IDataView</c>: a dense row-major feature matrix and one target per row.
/// Targets are class indices (multiclass), 0/1 (binary) or label values (regression).
/// </summary>
internal sealed class TrainingMatrix
{
    public TrainingMatrix(float[] features, float[] targets, int featureCount)
    {
        Features = features;
        Targets = targets;
        FeatureCount = featureCount;
    }

    public float[] Features { get; }

    public float[] Targets { get; }

    public int FeatureCount { get; }

    public int RowCount => Targets.Length;

    /// <summary>The rows at <paramref name="rows"/>, in that order.</summary>
    public TrainingMatrix Select(IReadOnlyList<int> rows)
    {
        var features = new float[rows.Count * FeatureCount];
        var targets = new float[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            Array.Copy(Features, (long)rows[i] * FeatureCount, features, (long)i * FeatureCount, FeatureCount);
            targets[i] = Targets[rows[i]];
        }
        return new TrainingMatrix(features, targets, FeatureCount);
    }
}
