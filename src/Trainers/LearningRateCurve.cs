using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers;

/// <summary>
/// What a <see cref="LearningRateFinder"/> sweep measured: the rate of every step, its mini-batch loss and the smoothed
/// loss, and the rates two rules of thumb read off the smoothed curve.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="SuggestedLearningRate"/> is a tenth of the rate at the lowest smoothed loss (fastai's <c>lr_min</c>, and
/// Géron's advice: about 10 times lower than the point where the loss starts to climb). It is the suggestion because it
/// depends only on where the curve bottoms out, which the smoothing makes stable; the steepest point depends on a
/// derivative of a noisy curve and can move by a decade between seeds, and on a curve that falls from its first step it
/// lands at the very start.
/// </para>
/// <para>
/// <see cref="SteepestDescentLearningRate"/> is the rate where the smoothed loss falls fastest against log(rate), looked
/// for before the minimum and after the first 10 steps (fastai's <c>lr_steep</c> and <c>skip_start</c>), for those who prefer it.
/// </para>
/// </remarks>
public sealed class LearningRateCurve
{
    internal LearningRateCurve(IReadOnlyList<double> learningRates, IReadOnlyList<double> losses, IReadOnlyList<double> smoothedLosses, LearningRateSweepEnd end)
    {
        if (learningRates.Count == 0)
            throw new InvalidOperationException("The sweep ended before its first step finished, so there is no curve: the loss at the minimum rate was not finite.");
        LearningRates = learningRates;
        Losses = losses;
        SmoothedLosses = smoothedLosses;
        End = end;
        int lowest = 0;
        for (int i = 1; i < smoothedLosses.Count; i++)
        {
            if (smoothedLosses[i] < smoothedLosses[lowest])
                lowest = i;
        }
        MinimumLossLearningRate = learningRates[lowest];
        SuggestedLearningRate = MinimumLossLearningRate / 10;
        SteepestDescentLearningRate = learningRates[Steepest(learningRates, smoothedLosses, lowest)];
    }

    /// <summary>The rate of each step, in order (growing by a constant factor).</summary>
    public IReadOnlyList<double> LearningRates { get; }

    /// <summary>The mini-batch loss of each step (the penalty included), taken before that step's update.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The bias-corrected exponential moving average of <see cref="Losses"/> (<see cref="LearningRateFinderOptions.SmoothingBeta"/>).</summary>
    public IReadOnlyList<double> SmoothedLosses { get; }

    /// <summary>Why the sweep ended.</summary>
    public LearningRateSweepEnd End { get; }

    /// <summary>The rate at the lowest smoothed loss.</summary>
    public double MinimumLossLearningRate { get; }

    /// <summary>The suggested constant rate: <see cref="MinimumLossLearningRate"/> / 10 (see the remarks for why this rule).</summary>
    public double SuggestedLearningRate { get; }

    /// <summary>The rate where the smoothed loss falls fastest against log(rate), at or before the lowest loss, after the first 10 steps.</summary>
    public double SteepestDescentLearningRate { get; }

    /// <summary>Writes the raw and smoothed loss against the rate on a log axis, with both suggestions marked, to a PNG (atomically).</summary>
    /// <param name="pngPath">Where to write the PNG; its folder is created if missing, an existing file is replaced.</param>
    /// <param name="width">Image width in pixels; default 1000 (at least 200).</param>
    /// <param name="height">Image height in pixels; default 600 (at least 150).</param>
    /// <exception cref="ArgumentException"><paramref name="pngPath"/> is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 200x150.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names it.</exception>
    public void SavePlot(string pngPath, int width = 1000, int height = 600) => LearningRateCurvePlot.Save(this, pngPath, width, height);

    // The first steps are left out, as fastai's skip_start: there the bias-corrected average rests on a handful of losses and
    // its slope is noise (on Fashion-MNIST the steepest point otherwise landed on the very first rate).
    private const int SkippedStart = 10;

    // The slope of the smoothed loss against log10(rate) by central differences (one-sided at the ends), as numpy.gradient;
    // the most negative slope at or before the minimum.
    private static int Steepest(IReadOnlyList<double> rates, IReadOnlyList<double> smoothed, int lowest)
    {
        if (smoothed.Count < 2)
            return 0;
        int best = 0;
        double bestSlope = double.PositiveInfinity;
        for (int i = Math.Min(SkippedStart, lowest); i <= lowest; i++)
        {
            int before = Math.Max(i - 1, 0), after = Math.Min(i + 1, smoothed.Count - 1);
            double slope = (smoothed[after] - smoothed[before]) / (Math.Log10(rates[after]) - Math.Log10(rates[before]));
            if (slope < bestSlope)
            {
                bestSlope = slope;
                best = i;
            }
        }
        return best;
    }
}
