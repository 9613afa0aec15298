using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Data;

/// <summary>Reads only the feature column of a view, for in-memory inference on the TorchSharp network.</summary>
internal static class DataViewFeatureReader
{
    public static float[] ReadFeatures(IDataView data, string featureColumnName, long expectedWidth)
    {
        int width = DataViewReader.CheckFeatureColumn(data.Schema, featureColumnName, "scoring");
        if (width != expectedWidth)
            throw new ArgumentException($"Features column '{featureColumnName}' has vectors of {width} values; the model was trained on {expectedWidth}.");
        var values = new List<float>();
        var column = data.Schema[featureColumnName];
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var vector = default(VBuffer<float>);
        var row = new float[width];
        while (cursor.MoveNext())
        {
            getter(ref vector);
            vector.CopyTo(row);
            values.AddRange(row);
        }
        return values.ToArray();
    }
}
