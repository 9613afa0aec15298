using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Datasets;

/// <summary>
/// An <see cref="IDataView"/> over <see cref="LabeledImages"/> with two columns: <c>Features</c>, a known-size
/// vector of <see cref="LabeledImages.PixelsPerImage"/> floats (each pixel byte divided by 255f), and <c>Label</c>,
/// a key column (<c>Key&lt;UInt32&gt;</c> with one value per class name) whose key-value annotation holds the class
/// names, so that <c>MapKeyToValue</c> turns labels and predicted labels back into names.
/// </summary>
/// <remarks>
/// Rows are produced on demand from the byte arrays (no float copy of the whole set is made), and a cursor refills
/// the same feature buffer for each row. The view supports shuffling: a cursor asked for with a random source visits
/// the rows in a random order. Row ids are the row indexes, so they are stable across cursors.
/// </remarks>
public sealed class LabeledImagesDataView : IDataView
{
    /// <summary>Name of the features column: <c>Features</c>.</summary>
    public const string FeaturesColumnName = "Features";

    /// <summary>Name of the label column: <c>Label</c>.</summary>
    public const string LabelColumnName = "Label";

    // ML.NET's name for key-value annotations; its own constant (AnnotationUtils.Kinds.KeyValues) is internal.
    private const string KeyValuesAnnotationKind = "KeyValues";

    /// <summary>Creates a view over <paramref name="images"/> (not copied).</summary>
    /// <param name="images">The images and labels; every label must be below <c>classNames.Count</c>.</param>
    /// <param name="classNames">The name of each class, in class-index order; they become the key values of <c>Label</c>.</param>
    /// <exception cref="ArgumentException">There are no class names, or a label is not a valid class index.</exception>
    public LabeledImagesDataView(LabeledImages images, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0)
            throw new ArgumentException("At least one class name is needed.", nameof(classNames));
        var firstBadLabel = classNames.Count > byte.MaxValue
            ? -1
            : images.Labels.AsSpan().IndexOfAnyInRange((byte)classNames.Count, byte.MaxValue);
        if (firstBadLabel >= 0)
            throw new ArgumentException(
                $"Label {images.Labels[firstBadLabel]} of image {firstBadLabel} is not a class index: " +
                $"there are {classNames.Count} classes (0..{classNames.Count - 1}).", nameof(images));
        Images = images;
        Schema = CreateSchema(images.PixelsPerImage, classNames);
    }

    /// <summary>The images and labels this view reads.</summary>
    public LabeledImages Images { get; }

    /// <summary><see langword="true"/>: a cursor can visit the rows in a random order.</summary>
    public bool CanShuffle => true;

    /// <summary>The <c>Features</c> and <c>Label</c> columns.</summary>
    public DataViewSchema Schema { get; }

    /// <summary>Returns the number of images.</summary>
    /// <returns><see cref="LabeledImages.Count"/>.</returns>
    public long? GetRowCount() => Images.Count;

    /// <summary>Returns a cursor over all rows, in order, or in a random order when <paramref name="rand"/> is given.</summary>
    /// <param name="columnsNeeded">The columns that the caller will read; getters of other columns throw.</param>
    /// <param name="rand">Source of the row order; <see langword="null"/> (the default) keeps the stored order.</param>
    /// <returns>A new cursor.</returns>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new LabeledImagesCursor(this, columnsNeeded, rand);

    /// <summary>Returns a single cursor: rows are cheap to produce, so splitting them over threads gains nothing.</summary>
    /// <param name="columnsNeeded">The columns that the caller will read.</param>
    /// <param name="n">The number of cursors asked for; one is returned whatever the value.</param>
    /// <param name="rand">Source of the row order; <see langword="null"/> (the default) keeps the stored order.</param>
    /// <returns>An array holding one cursor.</returns>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private static DataViewSchema CreateSchema(int pixelsPerImage, IReadOnlyList<string> classNames)
    {
        var names = classNames.Select(name => name.AsMemory()).ToArray();
        var keyValues = new DataViewSchema.Annotations.Builder();
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> getNames = (ref VBuffer<ReadOnlyMemory<char>> value) =>
        {
            var editor = VBufferEditor.Create(ref value, names.Length);
            names.CopyTo(editor.Values);
            value = editor.Commit();
        };
        keyValues.Add(KeyValuesAnnotationKind, new VectorDataViewType(TextDataViewType.Instance, names.Length), getNames);
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(FeaturesColumnName, new VectorDataViewType(NumberDataViewType.Single, pixelsPerImage));
        schema.AddColumn(LabelColumnName, new KeyDataViewType(typeof(uint), names.Length), keyValues.ToAnnotations());
        return schema.ToSchema();
    }
}
