using SkiaSharp;

namespace MLNetDeep.Transforms.Imaging;

/// <summary>
/// Turns encoded image bytes (JPEG, PNG, and whatever else SkiaSharp decodes: BMP, GIF, WebP) into the square
/// planar pixels an image network takes: channels first, RGB order, values 0..255, unscaled. The one decoder that
/// training and serving share, so both see the same pixels.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>EXIF orientation is applied first, so a photo taken with the camera on its side comes out upright.</item>
/// <item>Grayscale images become three equal planes; CMYK JPEGs are converted to RGB by the decoder.</item>
/// <item>Transparent pixels are composited over black (the premultiplied colour), so an invisible pixel's stored
/// colour, which is arbitrary, never reaches the network.</item>
/// <item>The largest centred square is cropped and scaled to the output size (no distortion): Mitchell cubic
/// resampling, with mipmaps when shrinking by more than half (cubic alone would alias).</item>
/// </list>
/// </remarks>
internal static class ImageDecoder
{
    /// <summary>Images with a side shorter than this are still decoded (scaled up), but training warns about them.</summary>
    public const int SmallImageSide = 32;

    /// <summary>
    /// Decodes <paramref name="encoded"/> into <paramref name="destination"/>: 3 × <paramref name="size"/> ×
    /// <paramref name="size"/> floats, the R plane, then G, then B, each row by row.
    /// </summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="size">The output side in pixels.</param>
    /// <param name="destination">Room for exactly 3 × size × size floats.</param>
    /// <param name="source">Names the image in error messages (a path, or "row 12 of column 'Image'").</param>
    /// <returns>The image's width and height after orientation, before scaling.</returns>
    /// <exception cref="InvalidDataException">The bytes are empty, not an image, or truncated or corrupt.</exception>
    public static (int Width, int Height) Decode(ReadOnlySpan<byte> encoded, int size, Span<float> destination, string source)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (destination.Length != 3 * size * size)
            throw new ArgumentException($"Expected room for 3 x {size} x {size} floats but got {destination.Length}.", nameof(destination));
        if (encoded.IsEmpty)
            throw new InvalidDataException($"{source} is empty (0 bytes); expected the bytes of a JPEG or PNG file.");

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException(
                $"{source} is not an image that can be decoded ({encoded.Length} bytes, starting {Hex(encoded)}); expected a JPEG or PNG file.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidDataException(result == SKCodecResult.IncompleteInput
                ? $"{source} is truncated: the {codec.EncodedFormat} data ends before the image does ({encoded.Length} bytes)."
                : $"{source} could not be decoded as {codec.EncodedFormat} ({result}, {encoded.Length} bytes): the file is corrupt.");
        }

        using var upright = Orient(decoded, codec.EncodedOrigin);
        Scale(upright, size, destination);
        return (upright.Width, upright.Height);
    }

    private static SKBitmap Orient(SKBitmap image, SKEncodedOrigin origin)
    {
        int w = image.Width, h = image.Height;
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var result = new SKBitmap(new SKImageInfo(swaps ? h : w, swaps ? w : h, SKColorType.Rgba8888, SKAlphaType.Premul));
        var from = image.GetPixelSpan();
        var to = result.GetPixelSpan();
        int outWidth = result.Width, outHeight = result.Height;
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                // Where displayed pixel (x, y) is stored, for each EXIF orientation (TIFF 6.0 tag 274).
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                from.Slice(4 * (sy * w + sx), 4).CopyTo(to.Slice(4 * (y * outWidth + x), 4));
            }
        }
        return result;
    }

    private static void Scale(SKBitmap upright, int size, Span<float> destination)
    {
        var side = Math.Min(upright.Width, upright.Height);
        var left = (upright.Width - side) / 2f;
        var top = (upright.Height - side) / 2f;
        var sampling = side > 2 * size
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);
        using var scaled = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(scaled))
        using (var image = SKImage.FromBitmap(upright))
        using (var paint = new SKPaint())
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(image, new SKRect(left, top, left + side, top + side), new SKRect(0, 0, size, size), sampling, paint);
        }
        var pixels = scaled.GetPixelSpan();
        var plane = size * size;
        for (var i = 0; i < plane; i++)
        {
            destination[i] = pixels[4 * i];
            destination[plane + i] = pixels[4 * i + 1];
            destination[2 * plane + i] = pixels[4 * i + 2];
        }
    }

    private static string Hex(ReadOnlySpan<byte> bytes) =>
        Convert.ToHexString(bytes[..Math.Min(8, bytes.Length)]);
}
