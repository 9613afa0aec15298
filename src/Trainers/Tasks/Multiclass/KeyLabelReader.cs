using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers;

/// <summary>Multiclass labels: a key column whose key k (1-based) becomes class index k − 1.</summary>
internal sealed class KeyLabelReader : LabelColumnReader
{
    public override void CheckType(DataViewSchema.Column column)
    {
        if (column.Type is not KeyDataViewType key || key.RawType != typeof(uint))
        {
            throw new ArgumentException(
                $"Label column '{column.Name}' has type {column.Type}, but multiclass training needs a key column (Key<UInt32>). " +
                $"Convert it first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"{column.Name}\").");
        }
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentException($"Label column '{column.Name}' is a key with {key.Count} value(s); multiclass training needs at least 2 classes.");
    }

    public override Func<long, float> Bind(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<uint>(column);
        uint value = 0;
        return _ =>
        {
            getter(ref value);
            return value == 0 ? float.NaN : value - 1;
        };
    }

    public override bool IsCategorical => true;

    /// <summary>The class's key value (its text when the key has text values), so a warning names what the user knows.</summary>
    public override string DescribeTarget(DataViewSchema.Column column, float target)
    {
        int index = (int)target;
        if (column.HasKeyValues(TextDataViewType.Instance))
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            column.GetKeyValues(ref names);
            if (index < names.Length)
                return $"'{names.GetItemOrDefault(index)}'";
        }
        return $"key {index + 1}";
    }

    /// <summary>The number of classes the key type declares.</summary>
    public static int ClassCount(DataViewSchema.Column column) => checked((int)((KeyDataViewType)column.Type).Count);
}
