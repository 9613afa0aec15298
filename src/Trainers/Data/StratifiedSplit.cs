namespace MLNetDeep.Trainers.Data;

/// <summary>
/// The in-memory ValidationFraction split of class labels: each class gives its share of validation rows, so a
/// rare class is measured too (an unstratified sample can leave it out, and the validation AUC is then NaN).
/// </summary>
/// <remarks>
/// Class c of n_c rows gets v_c = ⌊n_c·f⌋ validation rows, plus one for the classes with the largest remainders
/// until the total is round(N·f) (largest-remainder apportionment, ties to the smaller class value); then every
/// class of at least 2 rows gets at least one validation row and keeps at least one training row. A class of one
/// row goes to validation only when the apportionment gives it the row (tiny data sets), which is warned about.
/// Which rows: the rows are visited in the same seeded permutation as the unstratified split, and a row goes to
/// validation while its class's quota lasts. Both halves keep the permutation's order.
/// </remarks>
internal static class StratifiedSplit
{
    /// <summary>The training and validation row indices of <paramref name="targets"/> (class values).</summary>
    public static (int[] Train, int[] Validation) Split(IReadOnlyList<float> targets, double fraction, int seed)
    {
        var order = Enumerable.Range(0, targets.Count).ToArray();
        new Random(seed).Shuffle(order);
        var quota = Quotas(targets, fraction);
        var train = new List<int>(targets.Count);
        var validation = new List<int>();
        foreach (int row in order)
        {
            float c = targets[row];
            if (quota[c] > 0)
            {
                quota[c]--;
                validation.Add(row);
            }
            else
            {
                train.Add(row);
            }
        }
        return (train.ToArray(), validation.ToArray());
    }

    /// <summary>The validation rows per class.</summary>
    internal static Dictionary<float, int> Quotas(IReadOnlyList<float> targets, double fraction)
    {
        var counts = new SortedDictionary<float, int>();
        foreach (float t in targets)
            counts[t] = counts.TryGetValue(t, out int n) ? n + 1 : 1;
        int total = (int)Math.Round(targets.Count * fraction);
        var quota = counts.ToDictionary(c => c.Key, c => (int)Math.Floor(c.Value * fraction));
        int missing = total - quota.Values.Sum();
        foreach (var c in counts.OrderByDescending(c => c.Value * fraction - Math.Floor(c.Value * fraction)).ThenBy(c => c.Key).Take(Math.Max(0, missing)))
            quota[c.Key]++;
        foreach (var (c, n) in counts)
        {
            if (n >= 2)
                quota[c] = Math.Clamp(quota[c], 1, n - 1);
        }
        return quota;
    }
}
