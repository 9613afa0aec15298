using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers;

/// <summary>
/// What a <see cref="LearningRateFinder"/> sweep measured: the rate of every step, its mini-batch loss and the smoothed
/// loss, and the rates three rules of thumb read off the smoothed curve.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="SuggestedLearningRate"/> is <see cref="ValleyLearningRate"/>, fastai's default since 2.5: half-way along the
/// longest falling stretch of the smoothed curve, the rates where the loss falls fast and steadily. On the FashionMnist
/// sample's network, over four seeds, it was the best constant rate measured (0.8899 mean test accuracy, against 0.8785
/// for a tenth of the minimum and 0.8874-0.8893 for fixed rates from 0.0002 to 0.0007), and it lands where the sample's
/// own hand-chosen rate is (0.001-0.0015 against 0.001), so it also serves as a schedule's peak
/// (docs/chapter11/learning-rate-finder.md).
/// </para>
/// <para>
/// <see cref="MinimumLossLearningRate"/> / 10 is the older rule (fastai's <c>lr_min</c>, and Géron's advice: about ten
/// times below where the loss starts to climb). It reads where the smoothed curve bottoms out, whose lag puts it on the
/// loss's flat floor, a decade above the valley on that network.
/// </para>
/// <para>
/// <see cref="SteepestDescentLearningRate"/> is the rate where the smoothed loss falls fastest against log(rate), looked
/// for before the minimum and after the first 10 steps (fastai's <c>lr_steep</c> and <c>skip_start</c>). It is the
/// derivative of a noisy curve and moves more between seeds than the valley does.
/// </para>
/// <para>
/// No rule held constant trained the sample's network to within half a point of the sample's cosine schedule: a constant
/// rate lacks the schedule's low-rate finish, whatever the rate.
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
        SteepestDescentLearningRate = learningRates[Steepest(learningRates, smoothedLosses, lowest)];
        ValleyLearningRate = learningRates[Valley(smoothedLosses)];
        SuggestedLearningRate = ValleyLearningRate;
    }

    /// <summary>The rate of each step, in order (growing by a constant factor).</summary>
    public IReadOnlyList<double> LearningRates { get; }

    /// <summary>The mini-batch loss of each step (the penalty included), taken before that step's update.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The bias-corrected exponential moving average of <see cref="Losses"/> (<see cref="LearningRateFinderOptions.SmoothingBeta"/>).</summary>
    public IReadOnlyList<double> SmoothedLosses { get; }

    /// <summary>Why the sweep ended.</summary>
    public LearningRateSweepEnd End { get; }

    /// <summary>The rate at the lowest smoothed loss; a tenth of it is the older rule of thumb (see the remarks).</summary>
    public double MinimumLossLearningRate { get; }

    /// <summary>The suggested rate: <see cref="ValleyLearningRate"/> (see the remarks for why this rule).</summary>
    public double SuggestedLearningRate { get; }

    /// <summary>The rate where the smoothed loss falls fastest against log(rate), at or before the lowest loss, after the first 10 steps.</summary>
    public double SteepestDescentLearningRate { get; }

    /// <summary>
    /// fastai's <c>valley</c> rule (its default suggestion since 2.5): the longest run of falling smoothed losses (a longest
    /// decreasing subsequence), and the rate half-way along it, after leaving out the first tenth of the steps and the last 5.
    /// </summary>
    public double ValleyLearningRate { get; }

    /// <summary>Writes the raw and smoothed loss against the rate on a log axis, with the three suggested rates marked, to a PNG (atomically).</summary>
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

    // fastai's valley (fastai/callback/schedule.py): lds[i] is the length of the longest strictly decreasing subsequence
    // ending at i; the suggestion sits at start + ⌊length/3⌋ + ⌊length/6⌋ of the longest one, with fastai's start (one before
    // the subsequence's first point) and its trimming (num_it // 10 steps at the start, 5 at the end).
    private static int Valley(IReadOnlyList<double> smoothed)
    {
        int skipStart = smoothed.Count / 10, skipEnd = 5;
        if (smoothed.Count - skipStart - skipEnd < 2)
            (skipStart, skipEnd) = (0, 0);
        int n = smoothed.Count - skipStart - skipEnd;
        var lds = new int[n];
        int start = 0, end = 0;
        for (int i = 0; i < n; i++)
        {
            lds[i] = 1;
            for (int j = 0; j < i; j++)
            {
                if (smoothed[skipStart + i] < smoothed[skipStart + j] && lds[i] < lds[j] + 1)
                    lds[i] = lds[j] + 1;
                if (lds[end] < lds[i])
                {
                    end = i;
                    start = end - lds[end];
                }
            }
        }
        double sections = (end - start) / 3.0;
        return skipStart + Math.Clamp(start + (int)sections + (int)(sections / 2), 0, n - 1);
    }

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
