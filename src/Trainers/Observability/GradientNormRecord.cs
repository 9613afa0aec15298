namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Per-layer gradient norms of one epoch: for each dense layer, the L2 norm of its weight gradient,
/// averaged over the epoch's steps (measured before any clipping). Vanishing gradients show as
/// first-layer norms orders of magnitude below the last layer's; exploding ones as the reverse.
/// </summary>
public sealed class GradientNormRecord
{
    /// <summary>Creates a record.</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="meanNormByLayer">Mean gradient norm per layer name, input side first.</param>
    public GradientNormRecord(int epoch, IReadOnlyDictionary<string, double> meanNormByLayer)
    {
        Epoch = epoch;
        MeanNormByLayer = meanNormByLayer;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>Mean gradient norm per layer name (e.g. "hidden1.linear"), input side first.</summary>
    public IReadOnlyDictionary<string, double> MeanNormByLayer { get; }
}
