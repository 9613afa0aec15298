namespace MLNetDeep.Trainers.Data;

/// <summary>
/// The streamed ValidationFraction split: a row is a validation row when a hash of (seed, its position in the
/// view) falls below the fraction. Each row is decided alone, so every pass agrees without storing the
/// split, whatever order the rows are read in; the validation size is the fraction on average, not exactly.
/// </summary>
internal sealed class ValidationSplit
{
    private readonly ulong _seed;
    private readonly double _fraction;

    public ValidationSplit(int seed, double fraction)
    {
        _seed = Mix((ulong)(uint)seed);
        _fraction = fraction;
    }

    public bool IsValidation(long position)
    {
        ulong bits = Mix(_seed ^ (ulong)position);
        // The top 53 bits as a double in [0, 1), as Random.NextDouble builds it.
        return (bits >> 11) * (1.0 / (1UL << 53)) < _fraction;
    }

    /// <summary>SplitMix64's finalizer: every input bit flips about half the output bits.</summary>
    internal static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
