namespace MLNetDeep.Trainers.Data;

/// <summary>
/// The streamed ValidationFraction split of class labels. The pre-pass decides each row as it reads it, from its
/// class alone: of the rows of class c in view order (k from 0), row 0 trains and row 1 validates, so every class
/// of at least 2 rows is trained on and measured; from row 2 on, row k validates when
/// ⌊(k − 1)·f + φ_c⌋ &gt; ⌊(k − 2)·f + φ_c⌋, one row in every 1/f at a seeded phase φ_c in [0, 1). A class of n rows
/// thus gives about 1 + (n − 2)·f validation rows. The decisions are kept (one bit per row), so every later pass agrees.
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
            c = (0, unit);
        }
        long k = c.Seen;
        bool validation = k == 1 || k >= 2 && Math.Floor((k - 1) * _fraction + c.Phase) > Math.Floor((k - 2) * _fraction + c.Phase);
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
