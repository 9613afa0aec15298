using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// The shape of one sample as the network reads it, e.g. [features] for the MLP or [3, 224, 224] for an image
/// network. The data is always read as flat float vectors of <see cref="ElementCount"/> values; every batch is
/// viewed as [rows, ..shape] just before it reaches the network (a view, no copy).
/// </summary>
internal sealed class SampleShape
{
    private readonly long[] _dimensions;

    /// <param name="dimensions">The sample's dimensions, each at least 1.</param>
    /// <exception cref="ArgumentException">No dimension, or one below 1.</exception>
    public SampleShape(params long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Length == 0 || dimensions.Any(d => d < 1))
            throw new ArgumentException($"A sample shape needs at least one dimension, each >= 1; got [{string.Join(", ", dimensions)}].", nameof(dimensions));
        _dimensions = dimensions.ToArray();
        ElementCount = _dimensions.Aggregate(1L, (a, b) => checked(a * b));
    }

    /// <summary>The sample's dimensions, without the batch axis.</summary>
    public IReadOnlyList<long> Dimensions => _dimensions;

    /// <summary>The number of values per sample: the width of the flat feature vectors.</summary>
    public long ElementCount { get; }

    /// <summary>Whether a sample is a flat vector, which batches already are.</summary>
    public bool IsFlat => _dimensions.Length == 1;

    /// <summary>
    /// <paramref name="rows"/> ([rows, ElementCount]) as [rows, ..shape]: the tensor itself for a flat shape,
    /// otherwise a view that the caller's dispose scope owns.
    /// </summary>
    public Tensor ToSamples(Tensor rows) =>
        IsFlat ? rows : rows.view(new[] { rows.shape[0] }.Concat(_dimensions).ToArray());

    public override string ToString() => $"[{string.Join(", ", _dimensions)}]";
}
