using SkiaSharp;

namespace MLNetDeep.Pretrained.Imaging;

/// <summary>
/// Decodes images (JPEG, PNG, BMP, GIF, WebP — whatever SkiaSharp decodes) into the planar float layout image
/// networks take: channels first (C, H, W), RGB order, values 0..255 unscaled. Normalization (mean subtraction,
/// BGR order, scaling) is left to the network's own preprocessing, such as ResNetPreprocess.onnx.
/// </summary>
public static class ImageTensorLoader
{
    /// <summary>The side of the square input ResNet-style networks take: 224 pixels.</summary>
    public const int DefaultSize = 224;

    /// <summary>Loads one image as a (3, <paramref name="height"/>, <paramref name="width"/>) RGB tensor, flattened.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="width">Target width in pixels; default <see cref="DefaultSize"/>.</param>
    /// <param name="height">Target height in pixels; default <see cref="DefaultSize"/>.</param>
    /// <param name="mode">How to fit the image; default <see cref="ImageResizeMode.CenterCrop"/>.</param>
    /// <returns>3 × height × width floats: the R plane, then G, then B, each row by row, values 0..255.</returns>
    /// <exception cref="InvalidDataException">The file cannot be read or is not a decodable image.</exception>
    public static float[] LoadChw(string path, int width = DefaultSize, int height = DefaultSize, ImageResizeMode mode = ImageResizeMode.CenterCrop)
    {
        var result = new float[3 * width * height];
        LoadChw(path, result, width, height, mode);
        return result;
    }

    /// <summary>Loads one image into <paramref name="destination"/> (3 × height × width floats, RGB planes, 0..255).</summary>
    /// <param name="path">The image file.</param>
    /// <param name="destination">Where the planes go; must hold exactly 3 × <paramref name="height"/> × <paramref name="width"/> floats.</param>
    /// <param name="width">Target width in pixels; default <see cref="DefaultSize"/>.</param>
    /// <param name="height">Target height in pixels; default <see cref="DefaultSize"/>.</param>
    /// <param name="mode">How to fit the image; default <see cref="ImageResizeMode.CenterCrop"/>.</param>
    /// <exception cref="InvalidDataException">The file cannot be read or is not a decodable image.</exception>
    public static void LoadChw(string path, Span<float> destination, int width = DefaultSize, int height = DefaultSize, ImageResizeMode mode = ImageResizeMode.CenterCrop)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (destination.Length != 3 * width * height)
            throw new ArgumentException($"Expected room for 3 x {height} x {width} = {3 * width * height} floats but got {destination.Length}.", nameof(destination));

        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"The image '{path}' could not be read: {e.Message}", e);
        }
        // SKBitmap.Decode(byte[]) throws ArgumentNullException on unknown formats; a codec says null instead.
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"'{path}' is not an image SkiaSharp can decode ({encoded.Length} bytes).");
        using var decoded = SKBitmap.Decode(codec)
            ?? throw new InvalidDataException($"'{path}' could not be decoded as {codec.EncodedFormat} ({encoded.Length} bytes; truncated or corrupt).");

        using var resized = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(resized))
        using (var image = SKImage.FromBitmap(decoded))
        using (var paint = new SKPaint { IsAntialias = true })
        {
            canvas.Clear(SKColors.Black);
            // Mitchell cubic resampling is what SkiaSharp 2's FilterQuality.High stood for.
            canvas.DrawImage(image, SourceRegion(decoded.Width, decoded.Height, width, height, mode), new SKRect(0, 0, width, height),
                new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        }

        var pixels = resized.GetPixelSpan();
        var plane = width * height;
        for (var i = 0; i < plane; i++)
        {
            destination[i] = pixels[4 * i];
            destination[plane + i] = pixels[4 * i + 1];
            destination[2 * plane + i] = pixels[4 * i + 2];
        }
    }

    /// <summary>Loads several images into one batch: N × 3 × height × width floats, image after image.</summary>
    /// <param name="paths">The image files, in batch order.</param>
    /// <param name="width">Target width in pixels; default <see cref="DefaultSize"/>.</param>
    /// <param name="height">Target height in pixels; default <see cref="DefaultSize"/>.</param>
    /// <param name="mode">How to fit each image; default <see cref="ImageResizeMode.CenterCrop"/>.</param>
    /// <returns>The batch, ready for a (N, 3, height, width) tensor.</returns>
    /// <exception cref="InvalidDataException">A file cannot be read or is not a decodable image.</exception>
    public static float[] LoadBatch(IReadOnlyList<string> paths, int width = DefaultSize, int height = DefaultSize, ImageResizeMode mode = ImageResizeMode.CenterCrop)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var size = 3 * width * height;
        var batch = new float[paths.Count * size];
        for (var i = 0; i < paths.Count; i++)
            LoadChw(paths[i], batch.AsSpan(i * size, size), width, height, mode);
        return batch;
    }

    private static SKRect SourceRegion(int sourceWidth, int sourceHeight, int width, int height, ImageResizeMode mode)
    {
        if (mode == ImageResizeMode.Stretch)
            return new SKRect(0, 0, sourceWidth, sourceHeight);
        var scale = Math.Min(sourceWidth / (float)width, sourceHeight / (float)height);
        var cropWidth = width * scale;
        var cropHeight = height * scale;
        var left = (sourceWidth - cropWidth) / 2;
        var top = (sourceHeight - cropHeight) / 2;
        return new SKRect(left, top, left + cropWidth, top + cropHeight);
    }
}
