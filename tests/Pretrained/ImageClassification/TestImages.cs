using SkiaSharp;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>Small images made in the test, in every form the decoder must handle.</summary>
internal static class TestImages
{
    /// <summary>
    /// A 16 x 8 CMYK JPEG (Adobe, inverted, as Photoshop and PIL write it): the left half pure red (C0 M255 Y255 K0), the
    /// right half pure blue (C255 M255 Y0 K0). Made once with PIL (Image.new("CMYK"), save(quality=95)); 362 bytes.
    /// </summary>
    public static byte[] CmykJpeg { get; } = Convert.FromBase64String(
        "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcGBggLCAkKCgoKCgYICwwLCgwJCgoK/8AAFAgACAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD9/K/n/r+f+v38r+AOiv7/ACiv/9k=");

    /// <summary>An image whose left half is <paramref name="left"/> and right half <paramref name="right"/>, encoded.</summary>
    public static byte[] Halves(int width, int height, SKColor left, SKColor right, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 95)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, x < width / 2 ? left : right);
        return Encode(bitmap, format, quality);
    }

    /// <summary>A noisy image around <paramref name="colour"/>, for training: each class of a synthetic set has its own colour.</summary>
    public static byte[] Noisy(int width, int height, SKColor colour, int seed, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        byte Jitter(byte value) => (byte)Math.Clamp(value + random.Next(-60, 61), 0, 255);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor(Jitter(colour.Red), Jitter(colour.Green), Jitter(colour.Blue)));
        return Encode(bitmap, format, 90);
    }

    /// <summary>A grayscale PNG (one channel), a horizontal ramp.</summary>
    public static byte[] GrayscalePng(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(255 * x / (width - 1)), (byte)(255 * x / (width - 1)), (byte)(255 * x / (width - 1))));
        return Encode(bitmap, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>
    /// <paramref name="jpeg"/> with an EXIF APP1 segment after SOI whose Orientation tag (274) is <paramref name="orientation"/>:
    /// "Exif\0\0", a little-endian TIFF header, one IFD entry (SHORT, count 1), no next IFD.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0,   // header, IFD at offset 8
            1, 0,                                       // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, (byte)(orientation >> 8), 0, 0, // tag 274, SHORT, 1, value
            0, 0, 0, 0,                                 // no next IFD
        ];
        byte[] exif = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0, .. tiff];
        var length = exif.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif];
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }
}
