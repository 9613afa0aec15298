using SkiaSharp;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Pretrained.Tests.Imaging;

public sealed class ImageTensorLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetdeep-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Flower_jpeg_becomes_224x224_RGB_planes_of_0_to_255()
    {
        var pixels = ImageTensorLoader.LoadChw(PretrainedModels.FlowerImages(1)[0]);
        Assert.Equal(3 * 224 * 224, pixels.Length);
        Assert.All(pixels, p => Assert.InRange(p, 0f, 255f));
        Assert.True(pixels.Max() > 200 && pixels.Distinct().Count() > 200, "a real photo has a wide range of values");
        Assert.True(pixels.All(p => p == MathF.Round(p)), "values are unscaled byte levels");
    }

    [Fact]
    public void Channels_come_out_in_RGB_order_and_the_left_half_stays_on_the_left()
    {
        // 60 x 40: left half red, right half blue.
        var path = Path.Combine(_folder, "halves.png");
        using (var bitmap = new SKBitmap(60, 40))
        {
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Clear(SKColors.Blue);
                using var red = new SKPaint { Color = SKColors.Red };
                canvas.DrawRect(0, 0, 30, 40, red);
            }
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
        }
        var planes = ImageTensorLoader.LoadChw(path, width: 8, height: 8, mode: ImageResizeMode.Stretch);
        const int plane = 64;
        Assert.Equal(255f, planes[0 * plane + 4 * 8 + 0]);      // R, left
        Assert.Equal(0f, planes[2 * plane + 4 * 8 + 0]);        // B, left
        Assert.Equal(0f, planes[0 * plane + 4 * 8 + 7]);        // R, right
        Assert.Equal(255f, planes[2 * plane + 4 * 8 + 7]);      // B, right
        Assert.All(planes.AsSpan(plane, plane).ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Center_crop_keeps_the_aspect_ratio_where_stretch_does_not()
    {
        var path = PretrainedModels.FlowerImages(1)[0];
        Assert.NotEqual(ImageTensorLoader.LoadChw(path, mode: ImageResizeMode.Stretch), ImageTensorLoader.LoadChw(path));
    }

    [Fact]
    public void Batch_is_the_images_one_after_another()
    {
        var paths = PretrainedModels.FlowerImages(2);
        var batch = ImageTensorLoader.LoadBatch(paths, 32, 32);
        Assert.Equal(ImageTensorLoader.LoadChw(paths[1], 32, 32), batch[(3 * 32 * 32)..]);
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_named_in_the_error()
    {
        var path = Path.Combine(_folder, "notes.jpg");
        File.WriteAllText(path, "not a picture");
        var e = Assert.Throws<InvalidDataException>(() => ImageTensorLoader.LoadChw(path));
        Assert.Contains(path, e.Message);
    }
}
