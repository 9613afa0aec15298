using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Datasets;

/// <summary>Cursor of <see cref="LabeledImagesDataView"/>: reads rows straight from the byte arrays.</summary>
internal sealed class LabeledImagesCursor : DataViewRowCursor
{
    private readonly LabeledImagesDataView _view;
    private readonly LabeledImages _images;
    private readonly int[]? _order;
    private readonly bool[] _active;
    private long _position = -1;
    private int _row = -1;

    public LabeledImagesCursor(LabeledImagesDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand)
    {
        _view = view;
        _images = view.Images;
        _active = new bool[view.Schema.Count];
        foreach (var column in columnsNeeded)
            _active[column.Index] = true;
        if (rand != null)
        {
            _order = Enumerable.Range(0, _images.Count).ToArray();
            rand.Shuffle(_order);
        }
    }

    public override DataViewSchema Schema => _view.Schema;

    public override long Position => _position;

    // One cursor per view (see GetRowCursorSet), so every row belongs to batch 0.
    public override long Batch => 0;

    public override bool MoveNext()
    {
        if (_position + 1 >= _images.Count)
        {
            _position = _images.Count;
            _row = -1;
            return false;
        }
        _position++;
        _row = _order?[_position] ?? (int)_position;
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId id) => id = new DataViewRowId((ulong)CurrentRow(), 0);

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
        Delegate getter = column.Name switch
        {
            LabeledImagesDataView.FeaturesColumnName => (ValueGetter<VBuffer<float>>)GetFeatures,
            LabeledImagesDataView.LabelColumnName => (ValueGetter<uint>)GetLabel,
            _ => throw new ArgumentOutOfRangeException(nameof(column), $"Unknown column '{column.Name}'."),
        };
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    private void GetFeatures(ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, _images.PixelsPerImage);
        _images.CopyScaledImageTo(CurrentRow(), editor.Values);
        value = editor.Commit();
    }

    // Key values count from 1; 0 is ML.NET's missing key.
    private void GetLabel(ref uint value) => value = _images.Labels[CurrentRow()] + 1u;

    private int CurrentRow() =>
        _row >= 0 ? _row : throw new InvalidOperationException("The cursor is not on a row: call MoveNext first, and read only while it returns true.");
}
