using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers;

/// <summary>
/// Regression labels: a Single (float) column, read as it is. A NaN (ML.NET's missing value) or an infinity is
/// passed on, so that <see cref="DataViewReader"/> either reports it with the column and row or, with
/// <c>SkipRowsWithNonFiniteValues</c>, skips and counts the row, as it does for every task.
/// </summary>
internal sealed class FloatLabelReader : LabelColumnReader
{
    public override void CheckType(DataViewSchema.Column column)
    {
        if (column.Type != NumberDataViewType.Single)
        {
            throw new ArgumentException(
                $"Label column '{column.Name}' has type {column.Type}, but regression needs a Single (float) column. " +
                $"Convert it with mlContext.Transforms.Conversion.ConvertType(\"{column.Name}\", outputKind: DataKind.Single).");
        }
    }

    public override Func<long, float> Bind(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<float>(column);
        float value = 0;
        return _ =>
        {
            getter(ref value);
            return value;
        };
    }
}
