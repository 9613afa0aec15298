using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// A row cursor over the feature and label columns that hands out only rows that can train: a row with a
/// non-finite feature or a missing or non-finite label is an error naming the column, row and slot, or, with
/// skipping on, is left out and counted. The in-memory reader and every streamed pass share it, so both
/// accept, reject and skip exactly the same rows.
/// </summary>
internal sealed class ValidatedRowCursor : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<VBuffer<float>> _featureGetter;
    private readonly Func<long, float> _label;
    private readonly string _featureColumnName;
    private readonly string _labelColumnName;
    private readonly string _dataRole;
    private readonly bool _skipNonFiniteRows;
    private VBuffer<float> _vector;

    public ValidatedRowCursor(IDataView data, string featureColumnName, string labelColumnName, LabelColumnReader labelReader,
        string dataRole, bool skipNonFiniteRows)
    {
        Width = DataViewReader.CheckFeatureColumn(data.Schema, featureColumnName, dataRole);
        var featureColumn = data.Schema[featureColumnName];
        var labelColumn = DataViewReader.FindColumn(data.Schema, labelColumnName, "label", dataRole);
        labelReader.CheckType(labelColumn);
        _featureColumnName = featureColumnName;
        _labelColumnName = labelColumnName;
        _dataRole = dataRole;
        _skipNonFiniteRows = skipNonFiniteRows;
        _cursor = data.GetRowCursor(new[] { featureColumn, labelColumn });
        _featureGetter = _cursor.GetGetter<VBuffer<float>>(featureColumn);
        _label = labelReader.Bind(_cursor, labelColumn);
    }

    /// <summary>The feature vector length.</summary>
    public int Width { get; }

    /// <summary>The 0-based position in the view of the current row, skipped rows included (-1 before the first).</summary>
    public long Position { get; private set; } = -1;

    /// <summary>The rows left out so far.</summary>
    public SkippedRows Skipped { get; private set; } = new(0, -1);

    /// <summary>
    /// Moves to the next row that can train, copies its features into <paramref name="destination"/> (at least
    /// <see cref="Width"/> long) and returns false at the end of the view.
    /// </summary>
    public bool MoveNext(Span<float> destination, out float target)
    {
        var row = destination[..Width];
        while (_cursor.MoveNext())
        {
            Position++;
            _featureGetter(ref _vector);
            if (_vector.Length != Width)
                throw new InvalidDataException($"Features column '{_featureColumnName}' has a vector of length {_vector.Length} at row {Position} of the {_dataRole} data; expected {Width}.");
            _vector.CopyTo(row);
            target = _label(Position);
            int bad = IndexOfNonFinite(row);
            if (bad < 0 && float.IsFinite(target))
                return true;
            if (!_skipNonFiniteRows)
                throw bad >= 0 ? NonFiniteFeature(row[bad], bad) : NonFiniteLabel(target);
            Skipped = new SkippedRows(Skipped.Count + 1, Skipped.FirstRow < 0 ? Position : Skipped.FirstRow);
        }
        target = float.NaN;
        return false;
    }

    /// <summary>The error for a view with no usable rows, which says whether all of them were skipped.</summary>
    public ArgumentException NoRows() => new(Skipped.Count == 0
        ? $"The {_dataRole} data has no rows; there is nothing to train on."
        : $"The {_dataRole} data has no rows left: all {Skipped.Count} had a non-finite value in '{_featureColumnName}' or '{_labelColumnName}' and were skipped (SkipRowsWithNonFiniteValues).");

    public void Dispose() => _cursor.Dispose();

    private InvalidDataException NonFiniteFeature(float value, int slot) => new(
        $"Features column '{_featureColumnName}' has a non-finite value ({value}) at row {Position}, slot {slot} of the {_dataRole} data. " +
        "Replace missing values (mlContext.Transforms.ReplaceMissingValues), filter those rows, " +
        "or set DeepNeuralNetworkOptions.SkipRowsWithNonFiniteValues = true to leave them out.");

    private InvalidDataException NonFiniteLabel(float value) => new(
        $"Label column '{_labelColumnName}' has {(float.IsNaN(value) ? "a missing value (NaN, or key 0)" : $"a non-finite value ({value})")} at row {Position} of the {_dataRole} data; " +
        $"every row needs a label. Filter those rows (mlContext.Data.FilterRowsByMissingValues(data, \"{_labelColumnName}\")) " +
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
