using Microsoft.ML;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// Rows a streamed pass reads: a view, how its columns are read and checked, and which of its rows belong
/// (<paramref name="Include"/>, by position in the view; null: all). Every pass opens a fresh cursor.
/// </summary>
internal sealed record StreamedRows(IDataView Data, string FeatureColumnName, string LabelColumnName, LabelColumnReader LabelReader,
    string DataRole, bool SkipNonFiniteRows, Func<long, bool>? Include)
{
    public ValidatedRowCursor Open() => new(Data, FeatureColumnName, LabelColumnName, LabelReader, DataRole, SkipNonFiniteRows);

    /// <summary>The next row of <paramref name="cursor"/> that belongs to these rows; false at the end of the view.</summary>
    public bool MoveNext(ValidatedRowCursor cursor, Span<float> features, out float target)
    {
        while (cursor.MoveNext(features, out target))
        {
            if (Include is null || Include(cursor.Position))
                return true;
        }
        return false;
    }
}
