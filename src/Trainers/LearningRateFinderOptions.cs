using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers;

/// <summary>
/// How <see cref="LearningRateFinder"/> sweeps: from <see cref="MinimumLearningRate"/> to <see cref="MaximumLearningRate"/>,
/// multiplying the rate by the same factor after each of <see cref="Steps"/> mini-batches, and stopping early once the
/// smoothed loss exceeds <see cref="DivergenceFactor"/> times its lowest value or a loss is not finite. The defaults are fastai's
/// <c>lr_find</c> (start 1e-7, end 10, β = 0.98, 4×) with Géron's few hundred steps.
/// </summary>
public sealed class LearningRateFinderOptions
{
    /// <summary>The rate of the first step. Must be finite and &gt; 0. Default: 1e-7 (fastai).</summary>
    public double MinimumLearningRate { get; set; } = 1e-7;

    /// <summary>The rate of the last step. Must be finite and greater than <see cref="MinimumLearningRate"/>. Default: 10 (fastai; Géron's sweep also ends at 10).</summary>
    public double MaximumLearningRate { get; set; } = 10;

    /// <summary>Mini-batches in the sweep (the data is passed over again if it has fewer). Must be &gt;= 5. Default: 300.</summary>
    public int Steps { get; set; } = 300;

    /// <summary>
    /// β of the exponential moving average of the loss, whose bias is corrected (as Adam's moments):
    /// smoothed_i = avg_i / (1 − β^(i+1)), avg_i = β·avg_(i−1) + (1 − β)·loss_i. Must be in [0, 1). Default: 0.98 (fastai).
    /// </summary>
    public double SmoothingBeta { get; set; } = 0.98;

    /// <summary>The sweep stops once the smoothed loss exceeds this many times its lowest value so far. Must be &gt; 1. Default: 4 (fastai).</summary>
    public double DivergenceFactor { get; set; } = 4;

    /// <summary>Checks every option; the messages name the option, its value and what is allowed.</summary>
    internal void Validate()
    {
        var check = new OptionChecks(nameof(LearningRateFinderOptions));
        check.Require(MinimumLearningRate > 0 && double.IsFinite(MinimumLearningRate), nameof(MinimumLearningRate), MinimumLearningRate, "a finite value > 0");
        check.Require(MaximumLearningRate > MinimumLearningRate && MaximumLearningRate <= float.MaxValue, nameof(MaximumLearningRate), MaximumLearningRate,
            $"a finite value greater than MinimumLearningRate ({MinimumLearningRate}) and at most 3.4E+38 (float range)");
        check.Require(Steps >= 5, nameof(Steps), Steps, "an integer >= 5");
        check.Require(SmoothingBeta >= 0 && SmoothingBeta < 1, nameof(SmoothingBeta), SmoothingBeta, "a value in [0, 1)");
        check.Require(DivergenceFactor > 1 && double.IsFinite(DivergenceFactor), nameof(DivergenceFactor), DivergenceFactor, "a finite value > 1");
    }
}
