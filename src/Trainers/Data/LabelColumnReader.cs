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

    /// <summary>Returns a function that reads the current row's target; it throws on a missing or invalid label, naming the row.</summary>
    public abstract Func<long, float> Bind(DataViewRow row, DataViewSchema.Column column);
}
