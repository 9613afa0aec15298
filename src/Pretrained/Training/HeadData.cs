using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// Phase 1's training data for the DNN trainer core: the label column exactly as the user's (same key type, same key
/// values, so the fitted head's PredictedLabel maps back to the class names) beside the cached backbone features.
/// </summary>
internal static class HeadData
{
    public const string FeaturesColumn = "Features";

    public static IDataView Create(MLContext context, DataViewSchema.Column label, IReadOnlyList<int> classes, float[] features, int featureCount)
    {
        var definition = SchemaDefinition.Create(typeof(HeadRow));
        definition[nameof(HeadRow.Label)].ColumnName = label.Name;
        definition[nameof(HeadRow.Label)].ColumnType = label.Type;
        CopyKeyValues(label, definition[nameof(HeadRow.Label)]);
        definition[nameof(HeadRow.Features)].ColumnName = FeaturesColumn;
        definition[nameof(HeadRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        var rows = new HeadRow[classes.Count];
        for (var i = 0; i < rows.Length; i++)
            rows[i] = new HeadRow { Label = (uint)classes[i], Features = features.AsSpan(i * featureCount, featureCount).ToArray() };
        return context.Data.LoadFromEnumerable(rows, definition);
    }

    private static void CopyKeyValues(DataViewSchema.Column label, SchemaDefinition.Column target)
    {
        const string kind = "KeyValues";
        if (label.Annotations.Schema.GetColumnOrNull(kind) is not { } annotation)
            return;
        typeof(HeadData).GetMethod(nameof(CopyKeyValuesOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod((annotation.Type is VectorDataViewType vector ? vector.ItemType : annotation.Type).RawType)
            .Invoke(null, [label, target, annotation.Type]);
    }

    private static void CopyKeyValuesOf<T>(DataViewSchema.Column label, SchemaDefinition.Column target, DataViewType type)
    {
        VBuffer<T> values = default;
        label.Annotations.GetValue("KeyValues", ref values);
        target.AddAnnotation("KeyValues", values, type);
    }

    /// <summary>One row; the column names and types come from the schema definition.</summary>
    internal sealed class HeadRow
    {
        /// <summary>The class index: ML.NET reads a key-typed field of an object as 0-based (0 is key 1).</summary>
        public uint Label;

        public float[] Features = [];
    }
}
