using Microsoft.ML;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// Checks a label column's type and turns each row's label into the float target the network trains on.
/// One implementation per task (multiclass key, binary Boolean, regression Single).
/// </summary>
internal abstract class LabelColumnReader
{
    /// <summary>Throws a clear error when the column's type does not suit the task.</summary>
    public abstract void CheckType(DataViewSchema.Column column);

    /// <summary>
    /// Returns a function that reads the current row's target. A missing label reads as NaN, so that
    /// <see cref="DataViewReader"/> can either report it (naming the column and row) or skip the row.
    /// </summary>
    public abstract Func<long, float> Bind(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Whether targets are class indices, so a split can leave a class out. Default: false (regression).</summary>
    public virtual bool IsCategorical => false;

    /// <summary>How a warning names the class or value behind a target.</summary>
    public virtual string DescribeTarget(DataViewSchema.Column column, float target) =>
        target.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
