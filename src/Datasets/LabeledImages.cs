using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetDeep.Datasets;

/// <summary>
/// Grayscale images and their class labels as flat arrays, for benchmarks and custom training loops:
/// <see cref="Pixels"/> holds <see cref="Count"/> images of <see cref="Height"/> × <see cref="Width"/> bytes each,
/// row-major, one image after another; <see cref="Labels"/> holds one class index per image.
/// </summary>
/// <remarks>
/// The arrays are exposed, not copied, so that large sets are not duplicated. Data views built from an instance
/// (<see cref="LabeledImagesDataView"/>) read these arrays: do not modify them while such a view is in use.
/// </remarks>
public sealed class LabeledImages
{
    /// <summary>Wraps existing arrays (they are not copied) after checking that their lengths agree.</summary>
    /// <param name="pixels">Image bytes, row-major, <c>labels.Length * height * width</c> of them.</param>
    /// <param name="labels">One class index per image.</param>
    /// <param name="height">Rows per image (at least 1).</param>
    /// <param name="width">Columns per image (at least 1).</param>
    /// <exception cref="ArgumentException">The pixel count is not <c>labels.Length * height * width</c>.</exception>
    public LabeledImages(byte[] pixels, byte[] labels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if ((long)labels.Length * height * width != pixels.Length)
            throw new ArgumentException(
                $"{pixels.Length} pixels do not make {labels.Length} images of {height}x{width} " +
                $"(expected {(long)labels.Length * height * width}).", nameof(pixels));
        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
    }

    /// <summary>All image bytes (0 = background, 255 = full intensity), row-major, image after image.</summary>
    public byte[] Pixels { get; }

    /// <summary>The class index of each image, in the same order as the images.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of images (and labels).</summary>
    public int Count => Labels.Length;

    /// <summary>Rows per image (28 for Fashion-MNIST).</summary>
    public int Height { get; }

    /// <summary>Columns per image (28 for Fashion-MNIST).</summary>
    public int Width { get; }

    /// <summary>Bytes per image: <see cref="Height"/> × <see cref="Width"/> (784 for Fashion-MNIST).</summary>
    public int PixelsPerImage => Height * Width;

    /// <summary>The bytes of one image, without copying.</summary>
    /// <param name="index">Image index, from 0 to <see cref="Count"/> − 1.</param>
    /// <returns>A span of <see cref="PixelsPerImage"/> bytes.</returns>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>Copies a contiguous run of images and labels into a new instance.</summary>
    /// <param name="start">Index of the first image to copy.</param>
    /// <param name="count">Number of images to copy.</param>
    /// <returns>A new instance that owns its copies.</returns>
    public LabeledImages Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Images {start}..{start + count - 1} are outside 0..{Count - 1}.");
        return new LabeledImages(
            Pixels.AsSpan(start * PixelsPerImage, count * PixelsPerImage).ToArray(),
            Labels.AsSpan(start, count).ToArray(),
            Height,
            Width);
    }

    /// <summary>
    /// Writes one image scaled to [0, 1] (each byte divided by 255f, as in Géron's notebook) into
    /// <paramref name="destination"/>.
    /// </summary>
    /// <param name="index">Image index, from 0 to <see cref="Count"/> − 1.</param>
    /// <param name="destination">At least <see cref="PixelsPerImage"/> floats; only that many are written.</param>
    public void CopyScaledImageTo(int index, Span<float> destination)
    {
        var image = GetImage(index);
        if (destination.Length < image.Length)
            throw new ArgumentException($"The destination holds {destination.Length} floats; an image needs {image.Length}.", nameof(destination));
        Scale(image, destination);
    }

    /// <summary>All pixels scaled to [0, 1] (each byte divided by 255f), in the layout of <see cref="Pixels"/>.</summary>
    /// <returns>A new array of <see cref="Count"/> × <see cref="PixelsPerImage"/> floats.</returns>
    public float[] ToScaledPixels()
    {
        var scaled = GC.AllocateUninitializedArray<float>(Pixels.Length);
        Scale(Pixels, scaled);
        return scaled;
    }

    // Every row of every epoch goes through here, so it works 16 pixels at a time. It divides by 255f, as the notebook
    // does, rather than multiplying by 1/255f, which would differ in the last bit for some values.
    private static void Scale(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var divisor = Vector128.Create(255f);
            ref var sourceStart = ref MemoryMarshal.GetReference(source);
            ref var destinationStart = ref MemoryMarshal.GetReference(destination);
            for (; i <= source.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref sourceStart, (nuint)i));
                var (first, second) = Vector128.Widen(low);
                var (third, fourth) = Vector128.Widen(high);
                (Vector128.ConvertToSingle(first.AsInt32()) / divisor).StoreUnsafe(ref destinationStart, (nuint)i);
                (Vector128.ConvertToSingle(second.AsInt32()) / divisor).StoreUnsafe(ref destinationStart, (nuint)i + 4);
                (Vector128.ConvertToSingle(third.AsInt32()) / divisor).StoreUnsafe(ref destinationStart, (nuint)i + 8);
                (Vector128.ConvertToSingle(fourth.AsInt32()) / divisor).StoreUnsafe(ref destinationStart, (nuint)i + 12);
            }
        }
        for (; i < source.Length; i++)
            destination[i] = source[i] / 255f;
    }
}
