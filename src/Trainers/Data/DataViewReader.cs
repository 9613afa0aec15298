using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers.Observability;

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
    /// left out and counted in <paramref name="skipped"/>. <paramref name="rowCount"/>, when a counting pass found it
    /// for a view that does not know it, sizes the matrix at once instead of by doubling.
    /// </summary>
    public static TrainingMatrix Read(IDataView data, string featureColumnName, string labelColumnName, LabelColumnReader labelReader,
        string dataRole, bool skipNonFiniteRows, out SkippedRows skipped, long? rowCount = null)
    {
        using var cursor = new ValidatedRowCursor(data, featureColumnName, labelColumnName, labelReader, dataRole, skipNonFiniteRows);
        int width = cursor.Width;
        long? knownRows = rowCount ?? data.GetRowCount();
        int capacity = knownRows is long n && n > 0 ? checked((int)n) : 1024;
        var features = new float[(long)capacity * width];
        var targets = new float[capacity];
        int rows = 0;
        // Rows go straight into the matrix; only a row beyond a full matrix (an unknown or wrong row count)
        // goes through the spare one, so a known count never grows the matrix past the data.
        var spare = new float[width];
        while (cursor.MoveNext(rows < targets.Length ? features.AsSpan(rows * width, width) : spare, out float target))
        {
            if (rows == targets.Length)
            {
                Array.Resize(ref targets, checked(targets.Length * 2));
                Array.Resize(ref features, checked(targets.Length * width));
                spare.CopyTo(features.AsSpan(rows * width, width));
            }
            targets[rows] = target;
            rows++;
        }
        skipped = cursor.Skipped;
        if (rows == 0)
            throw cursor.NoRows();
        if (rows != targets.Length)
        {
            Array.Resize(ref targets, rows);
            Array.Resize(ref features, rows * width);
        }
        return new TrainingMatrix(features, targets, width);
    }
}
