using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Parameters trained together at <c>LearningRate × LearningRateScale</c> (the schedule's rate, scaled), for
/// example a pretrained backbone's last block at 0.1 and the new head at 1.
/// </summary>
/// <param name="Name">Identifies the group across epochs: a group with the same name and parameters keeps its optimizer state when the groups change.</param>
/// <param name="Parameters">Its parameters, in a fixed order; a parameter belongs to one group at most.</param>
/// <param name="LearningRateScale">The factor on the learning rate, finite and &gt;= 0. Default: 1.</param>
internal sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double LearningRateScale = 1)
{
    /// <summary>Whether <paramref name="other"/> is the same group: same name, scale and parameter objects in the same order.</summary>
    public bool SameAs(ParameterGroup other) =>
        Name == other.Name && LearningRateScale.Equals(other.LearningRateScale) && Parameters.Count == other.Parameters.Count
        && Parameters.Zip(other.Parameters).All(p => p.First.Handle == p.Second.Handle);
}
