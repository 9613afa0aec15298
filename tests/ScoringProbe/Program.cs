// A serving process as an MLNetDeep user would write it: it loads a saved model zip with ML.NET
// alone and scores feature vectors. The tests run it as a child process and check both its
// predictions and that no TorchSharp, libtorch or MLNetDeep code was loaded into it.
//
// Usage: ScoringProbe <model.zip> <features.f32> <featureCount> <output.txt>
//   features.f32: row-major little-endian float32 values, featureCount per row.
//   output.txt:   one line per row: Score values, then PredictedLabel / Probability when present;
//                 then "#assembly <name>" and "#native <path>" lines for everything loaded.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: ScoringProbe <model.zip> <features.f32> <featureCount> <output.txt>");
    return 2;
}

int width = int.Parse(args[2], CultureInfo.InvariantCulture);
byte[] raw = File.ReadAllBytes(args[1]);
var values = new float[raw.Length / sizeof(float)];
Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
var rows = Enumerable.Range(0, values.Length / width)
    .Select(i => new FeatureRow { Features = values.AsSpan(i * width, width).ToArray() })
    .ToList();

var mlContext = new MLContext(seed: 0);
var model = mlContext.Model.Load(args[0], out _);
var schema = SchemaDefinition.Create(typeof(FeatureRow));
schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
var scored = model.Transform(mlContext.Data.LoadFromEnumerable(rows, schema));

using var output = new StreamWriter(args[3]);
var scoreColumn = scored.Schema["Score"];
var predicted = scored.Schema.GetColumnOrNull("PredictedLabel");
var probability = scored.Schema.GetColumnOrNull("Probability");
using (var cursor = scored.GetRowCursor(scored.Schema))
{
    var parts = new List<string>();
    var vectorScore = scoreColumn.Type is VectorDataViewType ? cursor.GetGetter<VBuffer<float>>(scoreColumn) : null;
    var scalarScore = scoreColumn.Type is VectorDataViewType ? null : cursor.GetGetter<float>(scoreColumn);
    var keyLabel = predicted?.Type is KeyDataViewType ? cursor.GetGetter<uint>(predicted.Value) : null;
    var boolLabel = predicted?.Type is BooleanDataViewType ? cursor.GetGetter<bool>(predicted.Value) : null;
    var probabilityGetter = probability is null ? null : cursor.GetGetter<float>(probability.Value);
    var vector = default(VBuffer<float>);
    while (cursor.MoveNext())
    {
        parts.Clear();
        if (vectorScore != null)
        {
            vectorScore(ref vector);
            parts.AddRange(vector.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        }
        else
        {
            float s = 0;
            scalarScore!(ref s);
            parts.Add(s.ToString("R", CultureInfo.InvariantCulture));
        }
        if (keyLabel != null)
        {
            uint k = 0;
            keyLabel(ref k);
            parts.Add("label=" + k.ToString(CultureInfo.InvariantCulture));
        }
        if (boolLabel != null)
        {
            bool b = false;
            boolLabel(ref b);
            parts.Add("label=" + b);
        }
        if (probabilityGetter != null)
        {
            float p = 0;
            probabilityGetter(ref p);
            parts.Add("p=" + p.ToString("R", CultureInfo.InvariantCulture));
        }
        output.WriteLine(string.Join(' ', parts));
    }
}

foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
    output.WriteLine("#assembly " + assembly.GetName().Name);
foreach (var line in File.ReadLines("/proc/self/maps"))
{
    int slash = line.IndexOf('/');
    if (slash >= 0 && (line.EndsWith(".so", StringComparison.Ordinal) || line.Contains(".so.", StringComparison.Ordinal)))
        output.WriteLine("#native " + line[slash..]);
}
return 0;

/// <summary>One row to score.</summary>
internal sealed class FeatureRow
{
    public float[] Features { get; set; } = Array.Empty<float>();
}
