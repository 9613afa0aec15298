using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers;

// What the training code reads: the options as SmallDataDefaults.Resolve filled them in at Fit.
public abstract partial class TrainingOptions
{
    /// <summary>A shallow copy (the same schedule, callbacks and validation view), for <see cref="SmallDataDefaults.Resolve"/>.</summary>
    internal TrainingOptions Copy() => (TrainingOptions)MemberwiseClone();

    /// <summary>The epochs to train: <see cref="Epochs"/>, or 10 where it is unset and unresolved.</summary>
    internal int EpochCount => Epochs ?? SmallDataDefaults.OtherwiseEpochs;

    /// <summary>The L2 factor: <see cref="L2"/>, or 0 where it is unset and unresolved.</summary>
    internal double L2Factor => L2 ?? 0;

    /// <summary>
    /// Fills in the unset architecture options that depend on the data; <paramref name="compact"/>: the small-data
    /// defaults apply to at most 10,000 rows of class labels. None here; the MLP's hidden widths in <see cref="DeepNeuralNetworkOptions"/>.
    /// </summary>
    internal virtual void ResolveArchitecture(bool compact)
    {
    }

    /// <summary>The fraction held out: <see cref="ValidationFraction"/>, or 0 where it is unset and unresolved.</summary>
    internal double HeldOutFraction => ValidationFraction ?? 0;
}
