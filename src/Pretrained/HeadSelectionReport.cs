namespace MLNetDeep.Pretrained;

/// <summary>What <see cref="HeadSelectionOptions"/> measured and chose: the highest out-of-fold accuracy, ties to the lowest log-loss, then the smallest L2.</summary>
/// <param name="Folds">The number of folds used.</param>
/// <param name="Candidates">Every candidate's scores, in the order of <see cref="HeadSelectionOptions.L2Values"/>.</param>
/// <param name="ChosenL2">The L2 factor phase 1 (and phase 2's head) trained with.</param>
public sealed record HeadSelectionReport(int Folds, IReadOnlyList<HeadCandidateScore> Candidates, double ChosenL2);
