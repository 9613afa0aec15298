namespace MLNetDeep.Pretrained;

/// <summary>
/// Chooses the head's L2 penalty by stratified cross-validation on the training images' cached features, before
/// phase 1 trains the final head on all of them: the rule of Kornblith, Shlens and Le, "Do Better ImageNet Models
/// Transfer Better?" (CVPR 2019), who fit an L2-regularised logistic regression on a frozen network's features with the
/// penalty tuned on held-out training data. Only the training data is used, never a validation or test set. The
/// features are computed once, so each candidate costs only head fits (on flowers-small, 150 images and the default
/// grid: 25 fits of 50 epochs, a few seconds each on 2 CPU cores). The chosen value also applies to phase 2's head.
/// The fold fits take no <see cref="ImageTransferLearningOptions.ValidationFraction"/> split (the held-out fold is
/// their validation), unless <see cref="ImageTransferLearningOptions.EarlyStopping"/> needs validation data.
/// </summary>
public sealed class HeadSelectionOptions
{
    /// <summary>
    /// The L2 factors tried (Keras semantics, λ·Σw² over the head's dense weights, as <see cref="ImageTransferLearningOptions.L2"/>);
    /// default 0, 0.001, 0.01, 0.1, 1, a decade apart as Kornblith et al.'s grid. With the mean cross-entropy of about
    /// 120 training images per fold these match scikit-learn's <c>C</c> of ∞, 4, 0.4, 0.04 and 0.004. On flowers-small
    /// the largest of a grid that stopped at 0.1 scored best, so the grid goes a decade further. Each must be 0 or more; at least one.
    /// </summary>
    public IReadOnlyList<double> L2Values { get; set; } = [0, 1e-3, 1e-2, 1e-1, 1];

    /// <summary>
    /// The number of stratified folds; default 5. Lowered to the smallest class's image count when a class has fewer
    /// images; with fewer than 2 images in a class no selection runs (a warning says so) and <see cref="ImageTransferLearningOptions.L2"/> is used.
    /// </summary>
    public int Folds { get; set; } = 5;
}
