using Microsoft.ML;
using MLNetDeep.Trainers.Data;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// What a task (multiclass, binary, regression) brings to <see cref="TrainingCore"/>: how its label column is read
/// and checked, and its objective (loss, metric, export head), built from the training rows' target statistics.
/// </summary>
/// <param name="LabelReader">Reads and checks the label column.</param>
/// <param name="CreateObjective">The objective for the label column and the training rows' targets.</param>
internal sealed record TrainingTask(LabelColumnReader LabelReader, Func<DataViewSchema.Column, TargetStatistics, ITrainingObjective> CreateObjective);
