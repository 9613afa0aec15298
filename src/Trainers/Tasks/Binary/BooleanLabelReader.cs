using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers;

/// <summary>Binary labels: a Boolean column whose true rows become target 1 and false rows target 0.</summary>
internal sealed class BooleanLabelReader : LabelColumnReader
{
    public override void CheckType(DataViewSchema.Column column)
    {
        if (column.Type is not BooleanDataViewType)
        {
            throw new ArgumentException(
                $"Label column '{column.Name}' has type {column.Type}, but binary classification needs a Boolean column (true = the positive class). " +
                $"Convert a 0/1 numeric label with mlContext.Transforms.Conversion.ConvertType(\"{column.Name}\", outputKind: DataKind.Boolean), " +
                "or declare the property as bool.");
        }
    }

    public override Func<long, float> Bind(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<bool>(column);
        bool value = false;
        return _ =>
        {
            getter(ref value);
            return value ? 1f : 0f;
        };
    }

    /// <summary>True: a split can leave one of the two classes out of the validation rows, which is warned about.</summary>
    public override bool IsCategorical => true;

    /// <summary>Names target 1 and 0 by the label's values, true and false.</summary>
    public override string DescribeTarget(DataViewSchema.Column column, float target) => target != 0 ? "true" : "false";
}
