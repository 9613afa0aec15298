using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// Reads a feature column and a label column of an <see cref="IDataView"/> into a dense
/// <see cref="TrainingMatrix"/>, rejecting what cannot train: missing or mistyped columns,
/// variable-size vectors, NaN or infinite features, and empty data.
/// </summary>
internal static class DataViewReader
{
    /// <summary>Checks the feature column and returns its vector length.</summary>
    public static int CheckFeatureColumn(DataViewSchema schema, string featureColumnName, string dataRole)
    {
        var column = FindColumn(schema, featureColumnName, "features", dataRole);
        if (column.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentException(
                $"Features column '{featureColumnName}' has type {column.Type}, but it must be a vector of Single (float). " +
                "Concatenate numeric columns with mlContext.Transforms.Concatenate and convert with ConvertType if needed.");
        }
        if (!vector.IsKnownSize)
        {
            throw new ArgumentException(
                $"Features column '{featureColumnName}' is a variable-size vector; the network needs a known size. " +
                "Declare the size (e.g. [VectorType(784)]) or resize the vectors before training.");
        }
        return vector.Size;
    }

    /// <summary>Finds a column, or throws naming it, its role and the columns that do exist.</summary>
    public static DataViewSchema.Column FindColumn(DataViewSchema schema, string name, string role, string dataRole)
    {
        var column = schema.GetColumnOrNull(name);
        if (column is null)
        {
            var available = string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"));
            throw new ArgumentException($"The {role} column '{name}' was not found in the {dataRole} data. Available columns: {available}.");
        }
        return column.Value;
    }

    /// <summary>
    /// Reads every row. A row with a non-finite feature or a missing or non-finite label is an error
    /// naming the column, row and slot, unless <paramref name="skipNonFiniteRows"/> is set: then it is
    /// left out and counted in <paramref name="skipped"/>.
    /// </summary>
    public static TrainingMatrix Read(IDataView data, string featureColumnName, string labelColumnName, LabelColumnReader labelReader,
        string dataRole, bool skipNonFiniteRows, out SkippedRows skipped)
    {
        int width = CheckFeatureColumn(data.Schema, featureColumnName, dataRole);
        var featureColumn = data.Schema[featureColumnName];
        var labelColumn = FindColumn(data.Schema, labelColumnName, "label", dataRole);
        labelReader.CheckType(labelColumn);

        long? knownRows = data.GetRowCount();
        int capacity = knownRows is long n && n > 0 ? checked((int)n) : 1024;
        var features = new float[(long)capacity * width];
        var targets = new float[capacity];
        int rows = 0;
        long position = -1;
        skipped = new SkippedRows(0, -1);

        using (var cursor = data.GetRowCursor(new[] { featureColumn, labelColumn }))
        {
            var featureGetter = cursor.GetGetter<VBuffer<float>>(featureColumn);
            var label = labelReader.Bind(cursor, labelColumn);
            var vector = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                position++;
                if (rows == targets.Length)
                {
                    Array.Resize(ref targets, checked(targets.Length * 2));
                    Array.Resize(ref features, checked(targets.Length * width));
                }
                featureGetter(ref vector);
                if (vector.Length != width)
                    throw new InvalidDataException($"Features column '{featureColumnName}' has a vector of length {vector.Length} at row {position} of the {dataRole} data; expected {width}.");
                var destination = features.AsSpan(rows * width, width);
                vector.CopyTo(destination);
                float target = label(position);
                int bad = IndexOfNonFinite(destination);
                if (bad >= 0 || !float.IsFinite(target))
                {
                    if (!skipNonFiniteRows)
                        throw bad >= 0 ? NonFiniteFeature(featureColumnName, destination[bad], position, bad, dataRole) : NonFiniteLabel(labelColumnName, target, position, dataRole);
                    skipped = new SkippedRows(skipped.Count + 1, skipped.FirstRow < 0 ? position : skipped.FirstRow);
                    continue;
                }
                targets[rows] = target;
                rows++;
            }
        }

        if (rows == 0)
        {
            throw new ArgumentException(skipped.Count == 0
                ? $"The {dataRole} data has no rows; there is nothing to train on."
                : $"The {dataRole} data has no rows left: all {skipped.Count} had a non-finite value in '{featureColumnName}' or '{labelColumnName}' and were skipped (SkipRowsWithNonFiniteValues).");
        }
        if (rows != targets.Length)
        {
            Array.Resize(ref targets, rows);
            Array.Resize(ref features, rows * width);
        }
        return new TrainingMatrix(features, targets, width);
    }

    private static InvalidDataException NonFiniteFeature(string column, float value, long row, int slot, string dataRole) => new(
        $"Features column '{column}' has a non-finite value ({value}) at row {row}, slot {slot} of the {dataRole} data. " +
        "Replace missing values (mlContext.Transforms.ReplaceMissingValues), filter those rows, " +
        "or set DeepNeuralNetworkOptions.SkipRowsWithNonFiniteValues = true to leave them out.");

    private static InvalidDataException NonFiniteLabel(string column, float value, long row, string dataRole) => new(
        $"Label column '{column}' has {(float.IsNaN(value) ? "a missing value (NaN, or key 0)" : $"a non-finite value ({value})")} at row {row} of the {dataRole} data; " +
        $"every row needs a label. Filter those rows (mlContext.Data.FilterRowsByMissingValues(data, \"{column}\")) " +
        "or set DeepNeuralNetworkOptions.SkipRowsWithNonFiniteValues = true to leave them out.");

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                return i;
        }
        return -1;
    }
}
