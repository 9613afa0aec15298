namespace MLNetDeep.Trainers.Observability;

/// <summary>One scalar read back from a TensorBoard event file.</summary>
/// <param name="Tag">The series name, e.g. "epoch_loss".</param>
/// <param name="Step">The x position TensorBoard plots it at (the epoch, for this library's logs).</param>
/// <param name="WallTime">When it was written, in seconds since the Unix epoch.</param>
/// <param name="Value">The value; event files store scalars as 32-bit floats.</param>
public sealed record TensorBoardScalar(string Tag, long Step, double WallTime, float Value);
