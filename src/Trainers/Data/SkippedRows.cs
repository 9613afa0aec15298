namespace MLNetDeep.Trainers.Data;

/// <summary>Rows <see cref="DataViewReader"/> left out for non-finite values: how many, and the first one's 0-based position (-1 when none).</summary>
internal readonly record struct SkippedRows(long Count, long FirstRow);
