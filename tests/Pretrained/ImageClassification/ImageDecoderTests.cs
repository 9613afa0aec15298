using MLNetDeep.Transforms.Imaging;
using SkiaSharp;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>The shared decoder: orientation, colour models, transparency, and the errors for what is not an image.</summary>
public sealed class ImageDecoderTests
{
    private const int Size = 32;

    private static (float R, float G, float B) Pixel(float[] planes, int x, int y) =>
        (planes[y * Size + x], planes[Size * Size + y * Size + x], planes[2 * Size * Size + y * Size + x]);

    private static float[] Decode(byte[] bytes, out (int Width, int Height) size)
    {
        var pixels = new float[3 * Size * Size];
        size = ImageDecoder.Decode(bytes, Size, pixels, "the test image");
        return pixels;
    }

    [Theory]
    [InlineData(1, 64, 32, "left red")]    // as stored
    [InlineData(3, 64, 32, "left blue")]   // rotated 180
    [InlineData(6, 32, 64, "top red")]     // stored rotated: shown turned 90 degrees clockwise, the stored left goes to the top
    [InlineData(8, 32, 64, "top blue")]    // turned 90 degrees counter-clockwise, the stored left goes to the bottom
    [InlineData(2, 64, 32, "left blue")]   // mirrored
    public void EXIF_orientation_is_applied_before_cropping(ushort orientation, int width, int height, string expected)
    {
        var jpeg = TestImages.Halves(64, 32, new SKColor(255, 0, 0), new SKColor(0, 0, 255), SKEncodedImageFormat.Jpeg);
        var pixels = Decode(TestImages.WithExifOrientation(jpeg, orientation), out var size);
        Assert.Equal((width, height), size);
        var (first, second) = expected.StartsWith("left", StringComparison.Ordinal)
            ? (Pixel(pixels, 4, Size / 2), Pixel(pixels, Size - 5, Size / 2))
            : (Pixel(pixels, Size / 2, 4), Pixel(pixels, Size / 2, Size - 5));
        var firstIsRed = first.R > 200 && first.B < 60;
        var secondIsRed = second.R > 200 && second.B < 60;
        Assert.Equal(expected.EndsWith("red", StringComparison.Ordinal), firstIsRed);
        Assert.NotEqual(firstIsRed, secondIsRed);
    }

    [Fact]
    public void Grayscale_images_give_three_equal_planes()
    {
        var pixels = Decode(TestImages.GrayscalePng(48, 48), out _);
        for (var i = 0; i < Size * Size; i++)
        {
            Assert.Equal(pixels[i], pixels[Size * Size + i]);
            Assert.Equal(pixels[i], pixels[2 * Size * Size + i]);
        }
        Assert.True(pixels[Size * 16 + 2] < 40 && pixels[Size * 16 + 29] > 215, "the ramp runs dark to light");
    }

    [Fact]
    public void CMYK_JPEGs_are_converted_to_RGB()
    {
        var pixels = Decode(TestImages.CmykJpeg, out var size);
        Assert.Equal((16, 8), size);
        // The centred 8 x 8 square holds the boundary; its outer columns are pure red and pure blue.
        var red = Pixel(pixels, 2, Size / 2);
        var blue = Pixel(pixels, Size - 3, Size / 2);
        Assert.True(red.R > 200 && red.G < 60 && red.B < 60, $"left {red}");
        Assert.True(blue.B > 200 && blue.R < 60 && blue.G < 60, $"right {blue}");
    }

    [Fact]
    public void Transparent_pixels_are_composited_over_black()
    {
        var png = TestImages.Halves(32, 32, new SKColor(255, 255, 255, 0), new SKColor(0, 255, 0, 255));
        var pixels = Decode(png, out _);
        Assert.Equal((0f, 0f, 0f), Pixel(pixels, 2, 16));
        Assert.Equal((0f, 255f, 0f), Pixel(pixels, 29, 16));
    }

    [Fact]
    public void Empty_not_an_image_and_truncated_bytes_are_refused_naming_the_image()
    {
        var pixels = new float[3 * Size * Size];
        var empty = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode([], Size, pixels, "row 3 of column 'Image'"));
        Assert.Equal("row 3 of column 'Image' is empty (0 bytes); expected the bytes of a JPEG or PNG file.", empty.Message);

        var text = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode("hello, world"u8.ToArray(), Size, pixels, "row 4"));
        Assert.Contains("row 4 is not an image that can be decoded (12 bytes, starting 68656C6C6F2C2077)", text.Message);

        var jpeg = TestImages.Noisy(64, 64, new SKColor(100, 100, 100), seed: 1);
        var truncated = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(jpeg.AsSpan(0, jpeg.Length / 2), Size, pixels, "row 5"));
        Assert.Contains("row 5 is truncated", truncated.Message);
        Assert.Contains("Jpeg", truncated.Message);
    }
}
