namespace MLNetDeep.Trainers.Data;

/// <summary>
/// The streamed ValidationFraction split of class labels. The pre-pass decides each row as it reads it, from its
/// class alone: the k-th row of class c (k from 0, in view order) is a validation row when
/// ⌊k·f + φ_c⌋ &gt; ⌊(k − 1)·f + φ_c⌋ for k ≥ 1, with a seeded phase φ_c in [1 − f, 1). So each class gives every
/// (1/f)-th of its rows, about n_c·f of them, its second row always (a class of 2 rows is validated), its first
/// row never (a class is always trained on). The decisions are kept (one bit per row), so every later pass agrees.
/// </summary>
internal sealed class StratifiedStreamingSplit
{
    private readonly ulong _seed;
    private readonly double _fraction;
    private readonly Dictionary<float, (long Seen, double Phase)> _classes = new();
    private readonly List<ulong> _validation = new();

    public StratifiedStreamingSplit(int seed, double fraction)
    {
        _seed = ValidationSplit.Mix((ulong)(uint)seed ^ 0x5354524154494659);
        _fraction = fraction;
    }

    /// <summary>Decides the row at <paramref name="position"/> of class <paramref name="target"/>; call once per row, in view order.</summary>
    public bool Decide(long position, float target)
    {
        if (!_classes.TryGetValue(target, out var c))
        {
            ulong bits = ValidationSplit.Mix(_seed ^ (ulong)BitConverter.SingleToUInt32Bits(target));
            double unit = (bits >> 11) * (1.0 / (1UL << 53));
            c = (0, 1 - _fraction + unit * _fraction);
        }
        long k = c.Seen;
        bool validation = k >= 1 && Math.Floor(k * _fraction + c.Phase) > Math.Floor((k - 1) * _fraction + c.Phase);
        _classes[target] = (k + 1, c.Phase);
        if (validation)
        {
            int word = (int)(position >> 6);
            while (_validation.Count <= word)
                _validation.Add(0);
            _validation[word] |= 1UL << (int)(position & 63);
        }
        return validation;
    }

    /// <summary>Whether the pre-pass made the row at <paramref name="position"/> a validation row.</summary>
    public bool IsValidation(long position)
    {
        int word = (int)(position >> 6);
        return word < _validation.Count && (_validation[word] & (1UL << (int)(position & 63))) != 0;
    }
}
