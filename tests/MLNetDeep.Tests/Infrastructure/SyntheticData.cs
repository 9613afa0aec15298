using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Tests.Infrastructure;

/// <summary>Small seeded datasets with a known structure, built as IDataViews the way users build theirs.</summary>
public static class SyntheticData
{
    /// <summary>A row with a runtime-sized feature vector and a string class name.</summary>
    public sealed class ClassRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public string Label { get; set; } = "";
    }

    /// <summary>
    /// Gaussian blobs: class c has its mean at a seeded random point with spread <paramref name="spread"/>.
    /// Returns raw rows (for child-process scoring) and the IDataView with Label mapped to a key.
    /// </summary>
    internal static (IDataView Data, List<ClassRow> Rows) Blobs(MLContext ml, int rows, int features, int classes, int seed, float spread = 1f)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, classes)
            .Select(_ => Enumerable.Range(0, features).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray())
            .ToArray();
        var list = new List<ClassRow>(rows);
        for (int i = 0; i < rows; i++)
        {
            int c = i % classes;
            list.Add(new ClassRow
            {
                Features = centres[c].Select(m => m + spread * Gaussian(random)).ToArray(),
                Label = "class" + c,
            });
        }
        return (ToKeyed(ml, list, features), list);
    }

    /// <summary>Loads rows with a declared vector size and maps Label to a key (key order = first appearance).</summary>
    internal static IDataView ToKeyed(MLContext ml, IEnumerable<ClassRow> rows, int features)
    {
        var schema = SchemaDefinition.Create(typeof(ClassRow));
        schema[nameof(ClassRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        var raw = ml.Data.LoadFromEnumerable(rows, schema);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
    }

    internal static float Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
