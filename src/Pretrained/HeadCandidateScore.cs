namespace MLNetDeep.Pretrained;

/// <summary>One candidate of <see cref="HeadSelectionOptions"/>: its L2 factor and its out-of-fold scores on the training images.</summary>
/// <param name="L2">The L2 factor.</param>
/// <param name="Accuracy">The share of training images the candidate's heads classified right while those images were held out (pooled over the folds).</param>
/// <param name="LogLoss">The mean log-loss over the same out-of-fold predictions; it breaks accuracy ties.</param>
public sealed record HeadCandidateScore(double L2, double Accuracy, double LogLoss);
