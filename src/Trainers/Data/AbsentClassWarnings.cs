using Microsoft.ML;
using MLNetDeep.Trainers.Hosting;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// A class with no validation rows is never measured, and one with no training rows is never learned;
/// both are easy to miss with rare classes and a small split, so they are warned about rather than silent.
/// </summary>
internal static class AbsentClassWarnings
{
    public static void Warn(TrainingOptions options, TargetStatistics train, TargetStatistics validation, LabelColumnReader labelReader,
        DataViewSchema.Column labelColumn, TrainingHost host)
    {
        var inTrain = train.Classes.ToHashSet();
        var inValidation = validation.Classes.ToHashSet();
        string Names(IEnumerable<float> targets) => string.Join(", ", targets.Order().Select(t => labelReader.DescribeTarget(labelColumn, t)));
        string source = options.ValidationSet is null ? $"The ValidationFraction {options.HeldOutFraction} split" : "The ValidationSet";
        var notValidated = inTrain.Except(inValidation).ToList();
        if (notValidated.Count > 0)
        {
            host.Warning($"{source} has no rows of class(es) {Names(notValidated)} of label column '{options.LabelColumnName}' " +
                $"({validation.Count} validation rows), so validation loss and metrics do not measure them. Use more validation rows or a stratified ValidationSet.");
        }
        var notTrained = inValidation.Except(inTrain).ToList();
        if (notTrained.Count > 0)
        {
            host.Warning($"The training rows have no rows of class(es) {Names(notTrained)} of label column '{options.LabelColumnName}', " +
                "which the validation rows do have: the network cannot learn them.");
        }
    }
}
