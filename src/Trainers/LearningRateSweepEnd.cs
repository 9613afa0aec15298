namespace MLNetDeep.Trainers;

/// <summary>Why a <see cref="LearningRateFinder"/> sweep ended.</summary>
public enum LearningRateSweepEnd
{
    /// <summary>It ran all <see cref="LearningRateFinderOptions.Steps"/> steps, up to the maximum rate.</summary>
    Completed,

    /// <summary>The smoothed loss exceeded <see cref="LearningRateFinderOptions.DivergenceFactor"/> times its lowest value.</summary>
    LossAboveLimit,

    /// <summary>A loss, or after the last step the weights, were NaN or infinite; the curve ends at the last finite loss.</summary>
    LossNotFinite,
}
