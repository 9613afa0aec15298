using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Trainers.Tests.Streaming;

/// <summary>
/// Rows handed out one at a time, counting how many the latest pass has taken. The view is the bare
/// LoadFromEnumerable view with the label declared a key (no transform, whose cursors may read ahead on
/// other threads), which has no row count and reads exactly the rows asked for, so the count shows how
/// far a reader has read ahead of what it has used.
/// </summary>
internal sealed class CountingRows : IEnumerable<CountingRows.Row>
{
    private readonly IReadOnlyList<Row> _rows;

    public CountingRows(IReadOnlyList<Row> rows) => _rows = rows;

    /// <summary>A row with a key label: LoadFromEnumerable takes a key property 0-based (0 is the first class).</summary>
    public sealed class Row
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public uint Label { get; set; }
    }

    /// <summary>Rows taken by the latest pass.</summary>
    public int Taken { get; private set; }

    /// <summary><paramref name="count"/> rows whose first feature is the row number and whose label cycles through <paramref name="classes"/> keys.</summary>
    public static CountingRows Numbered(int count, int features, int classes) =>
        new(Enumerable.Range(0, count).Select(i => new Row
        {
            Features = Enumerable.Range(0, features).Select(f => f == 0 ? i : (i % classes) + f * 0.1f).ToArray(),
            Label = (uint)(i % classes),
        }).ToList());

    public IDataView Load(MLContext ml, int features, int classes)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        return ml.Data.LoadFromEnumerable(this, schema);
    }

    public IEnumerator<Row> GetEnumerator()
    {
        Taken = 0;
        foreach (var row in _rows)
        {
            Taken++;
            yield return row;
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
