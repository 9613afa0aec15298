using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Data;

/// <summary>Regression labels: a Single (float) column, read as it is; a NaN (ML.NET's missing value) is an error.</summary>
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
        return rowIndex =>
        {
            getter(ref value);
            if (float.IsNaN(value))
            {
                throw new InvalidDataException(
                    $"Label column '{column.Name}' is NaN (missing) at row {rowIndex}; every training row needs a label. " +
                    $"Drop those rows first, e.g. mlContext.Data.FilterRowsByMissingValues(data, \"{column.Name}\").");
            }
            return value;
        };
    }
}
