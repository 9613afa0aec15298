namespace MLNetDeep.Pretrained;

/// <summary>
/// How a backbone wants its pixels normalised: each value becomes (pixel × <see cref="Scale"/> − <see cref="Mean"/>[c]) /
/// <see cref="StandardDeviation"/>[c], with pixels 0..255 in <see cref="ChannelOrder"/>. It becomes the first nodes of the
/// exported ONNX graph, so training and serving normalise identically.
/// </summary>
/// <example>
/// <code>
/// ImagePreprocessing.MeanStd([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], scale: 1f / 255)  // torchvision
/// ImagePreprocessing.ScaleToMinusOneOne                                                         // Keras "tf" mode
/// </code>
/// </example>
public sealed record ImagePreprocessing
{
    /// <summary>The plane order; default <see cref="Pretrained.ChannelOrder.Rgb"/>.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    /// <summary>Multiplies the 0..255 pixels first; default 1.</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Subtracted per channel (in <see cref="ChannelOrder"/>) after scaling; default 0, 0, 0.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0f, 0f, 0f];

    /// <summary>Divides per channel (in <see cref="ChannelOrder"/>) last; default 1, 1, 1.</summary>
    public IReadOnlyList<float> StandardDeviation { get; init; } = [1f, 1f, 1f];

    /// <summary>
    /// A per-pixel mean image subtracted instead of <see cref="Mean"/> (3 × height × width, in <see cref="ChannelOrder"/>);
    /// only the ResNet18 featurizer uses one. Null for the others.
    /// </summary>
    internal float[]? MeanImage { get; init; }

    /// <summary>Keras "tf" mode (ResNet50V2, MobileNet, Inception): pixel / 127.5 − 1, RGB.</summary>
    public static ImagePreprocessing ScaleToMinusOneOne { get; } = new() { Scale = 1f / 127.5f, Mean = [1f, 1f, 1f] };

    /// <summary>Per-channel mean and standard deviation after scaling.</summary>
    /// <param name="mean">Three means, in <paramref name="order"/>.</param>
    /// <param name="standardDeviation">Three standard deviations, in <paramref name="order"/>; all positive.</param>
    /// <param name="scale">Applied to the 0..255 pixels first; default 1 (torchvision's statistics need 1/255).</param>
    /// <param name="order">The plane order; default RGB.</param>
    public static ImagePreprocessing MeanStd(IReadOnlyList<float> mean, IReadOnlyList<float> standardDeviation, float scale = 1f, ChannelOrder order = ChannelOrder.Rgb) =>
        new() { Mean = mean, StandardDeviation = standardDeviation, Scale = scale, ChannelOrder = order };

    /// <summary>Throws unless three finite means and three positive standard deviations are given.</summary>
    internal void Validate(string backbone)
    {
        if (Mean is not { Count: 3 } || Mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException($"The preprocessing of backbone '{backbone}' needs Mean to be 3 finite values, one per channel; got [{string.Join(", ", Mean ?? [])}].");
        if (StandardDeviation is not { Count: 3 } || StandardDeviation.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException($"The preprocessing of backbone '{backbone}' needs StandardDeviation to be 3 positive values; got [{string.Join(", ", StandardDeviation ?? [])}].");
        if (!(Scale > 0) || !float.IsFinite(Scale))
            throw new ArgumentException($"The preprocessing of backbone '{backbone}' needs a positive, finite Scale; got {Scale}.");
    }

    /// <inheritdoc />
    public override string ToString() => MeanImage is not null
        ? $"{ChannelOrder}, minus a per-pixel mean image"
        : $"{ChannelOrder}, (pixel x {Scale:G6} - [{string.Join(", ", Mean.Select(m => m.ToString("G6")))}]) / [{string.Join(", ", StandardDeviation.Select(s => s.ToString("G6")))}]";
}
