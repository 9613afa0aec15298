using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Trainers;

/// <summary>
/// Computes the <see cref="SchemaShape"/> a trainer's fitted transformer will output, so pipelines can
/// check column types before any training. <see cref="SchemaShape.Column"/> has no public constructor
/// and <c>SchemaShape.Create</c> is internal to Microsoft.ML, so the new columns are described as
/// a <see cref="DataViewSchema"/> and converted by <see cref="MLNetInternals.ShapeOf"/>.
/// </summary>
internal static class OutputSchemas
{
    private const string KeyValues = "KeyValues";
    private const string SlotNames = "SlotNames";
    private const string ScoreColumnKind = "ScoreColumnKind";
    private const string ScoreValueKind = "ScoreValueKind";

    /// <summary>The shape of a concrete schema.</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema) => MLNetInternals.ShapeOf(schema);

    /// <summary>The column named <paramref name="name"/>, if the shape has one.</summary>
    public static bool TryFind(SchemaShape shape, string name, out SchemaShape.Column column)
    {
        column = shape.FirstOrDefault(c => c.Name == name);
        return column.Name is not null;
    }

    public static SchemaShape.Column RequireFloatVector(SchemaShape input, string name)
    {
        if (!TryFind(input, name, out var column))
            throw new ArgumentException($"The features column '{name}' was not found in the input schema.");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentException($"Features column '{name}' must be a known-size vector of Single (float); it is {Describe(column)}.");
        return column;
    }

    public static SchemaShape.Column RequireKey(SchemaShape input, string name)
    {
        if (!TryFind(input, name, out var column))
            throw new ArgumentException($"The label column '{name}' was not found in the input schema.");
        if (!column.IsKey || column.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentException($"Label column '{name}' must be a scalar key (use MapValueToKey); it is {Describe(column)}.");
        return column;
    }

    public static SchemaShape.Column RequireBooleanLabel(SchemaShape input, string name) =>
        RequireScalarLabel(input, name, BooleanDataViewType.Instance, "a Boolean scalar for binary classification (ConvertType to DataKind.Boolean)");

    public static SchemaShape.Column RequireFloatLabel(SchemaShape input, string name) =>
        RequireScalarLabel(input, name, NumberDataViewType.Single, "a Single (float) scalar for regression (ConvertType to DataKind.Single)");

    /// <summary>
    /// The input plus what a one-value network output and the prediction head on it add. The head is built
    /// for real on a one-column schema, so the shape carries exactly the columns and annotations it will write.
    /// </summary>
    public static SchemaShape WithScalarHead(SchemaShape input, string networkOutputColumn, Func<DataViewSchema, ITransformer> createHead)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(networkOutputColumn, new VectorDataViewType(NumberDataViewType.Single, 1));
        var networkOutput = builder.ToSchema();
        return Merge(input, ShapeOf(createHead(networkOutput).GetOutputSchema(networkOutput)));
    }

    public static SchemaShape Multiclass(SchemaShape input, SchemaShape.Column label, string networkOutputColumn)
    {
        // A SchemaShape records kinds, not sizes or key counts, so any positive size describes the columns.
        const int classes = 2;
        var keyType = new KeyDataViewType(typeof(uint), classes);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(networkOutputColumn, new VectorDataViewType(NumberDataViewType.Single, 1, classes));

        var scoreAnnotations = new DataViewSchema.Annotations.Builder();
        AddPlaceholder(scoreAnnotations, ScoreColumnKind, TextDataViewType.Instance);
        AddPlaceholder(scoreAnnotations, ScoreValueKind, TextDataViewType.Instance);
        var predictedAnnotations = new DataViewSchema.Annotations.Builder();
        if (TryFind(label.Annotations, KeyValues, out var keyValues))
        {
            var valuesType = new VectorDataViewType((PrimitiveDataViewType)keyValues.ItemType, classes);
            AddPlaceholder(predictedAnnotations, KeyValues, valuesType);
            if (keyValues.ItemType is TextDataViewType)
                AddPlaceholder(scoreAnnotations, SlotNames, valuesType);
        }
        builder.AddColumn("Score", new VectorDataViewType(NumberDataViewType.Single, classes), scoreAnnotations.ToAnnotations());
        builder.AddColumn("PredictedLabel", keyType, predictedAnnotations.ToAnnotations());

        return Merge(input, ShapeOf(builder.ToSchema()));
    }

    /// <summary>The input's columns, those that <paramref name="added"/> replaces by name left out, then <paramref name="added"/>.</summary>
    private static SchemaShape Merge(SchemaShape input, SchemaShape added) =>
        new(input.Where(c => !TryFind(added, c.Name, out _)).Concat(added));

    private static SchemaShape.Column RequireScalarLabel(SchemaShape input, string name, DataViewType itemType, string expected)
    {
        if (!TryFind(input, name, out var column))
            throw new ArgumentException($"The label column '{name}' was not found in the input schema.");
        if (column.IsKey || column.Kind != SchemaShape.Column.VectorKind.Scalar || !column.ItemType.Equals(itemType))
            throw new ArgumentException($"Label column '{name}' must be {expected}; it is {Describe(column)}.");
        return column;
    }

    private static string Describe(SchemaShape.Column column) =>
        $"{column.Kind} of {column.ItemType}{(column.IsKey ? " (key)" : "")}";

    // Only the annotation's type matters for a SchemaShape; the getter is never called. The value type is known
    // only at run time, hence the generic call by reflection (on this class, not on ML.NET: MLNetInternals owns those).
    private static void AddPlaceholder(DataViewSchema.Annotations.Builder builder, string kind, DataViewType type) =>
        typeof(OutputSchemas).GetMethod(nameof(AddPlaceholderCore), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(type.RawType).Invoke(null, new object[] { builder, kind, type });

    private static void AddPlaceholderCore<T>(DataViewSchema.Annotations.Builder builder, string kind, DataViewType type) =>
        builder.Add(kind, type, (ValueGetter<T>)((ref T value) => value = default!));
}
