using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Tests.Support;

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

    /// <summary>A row with a Boolean label, for binary classification.</summary>
    public sealed class BinaryRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public bool Label { get; set; }
    }

    /// <summary>A row with a Single label, for regression.</summary>
    public sealed class RegressionRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public float Label { get; set; }
    }

    /// <summary>
    /// A ring: features uniform on [−1, 1]; the label is true inside the circle of radius 0.6 in the first two
    /// features (about 28% of rows), which no linear model separates; each label flips with probability <paramref name="noise"/>.
    /// </summary>
    internal static (IDataView Data, List<BinaryRow> Rows) Ring(MLContext ml, int rows, int features, int seed, double noise = 0.05)
    {
        var random = new Random(seed);
        var list = new List<BinaryRow>(rows);
        for (int i = 0; i < rows; i++)
        {
            var x = Enumerable.Range(0, features).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            bool inside = x[0] * x[0] + x[1] * x[1] < 0.36f;
            list.Add(new BinaryRow { Features = x, Label = inside ^ (random.NextDouble() < noise) });
        }
        return (Load(ml, list, features), list);
    }

    /// <summary>
    /// Friedman #1 (Friedman, "Multivariate Adaptive Regression Splines", 1991): 10 features uniform on [0, 1],
    /// y = 10 sin(π x1 x2) + 20 (x3 − 0.5)² + 10 x4 + 5 x5 + N(0, <paramref name="noise"/>²); x6…x10 are irrelevant.
    /// </summary>
    internal static (IDataView Data, List<RegressionRow> Rows) Friedman1(MLContext ml, int rows, int seed, double noise = 1.0)
    {
        const int features = 10;
        var random = new Random(seed);
        var list = new List<RegressionRow>(rows);
        for (int i = 0; i < rows; i++)
        {
            var x = Enumerable.Range(0, features).Select(_ => random.NextDouble()).ToArray();
            double y = 10 * Math.Sin(Math.PI * x[0] * x[1]) + 20 * (x[2] - 0.5) * (x[2] - 0.5) + 10 * x[3] + 5 * x[4]
                + noise * Gaussian(random);
            list.Add(new RegressionRow { Features = x.Select(v => (float)v).ToArray(), Label = (float)y });
        }
        return (Load(ml, list, features), list);
    }

    /// <summary>Loads rows whose <c>Features</c> property is a float array, declaring the vector size the trainers need.</summary>
    internal static IDataView Load<TRow>(MLContext ml, IEnumerable<TRow> rows, int features) where TRow : class
    {
        var schema = SchemaDefinition.Create(typeof(TRow));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    internal static float Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
