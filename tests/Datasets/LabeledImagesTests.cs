
namespace MLNetDeep.Datasets.Tests;

public sealed class LabeledImagesTests
{
    [Theory]
    [InlineData(16, 16)] // every byte value, all on the 16-pixels-at-a-time path
    [InlineData(1, 263)] // a tail that is not a multiple of 16
    public void ScaledPixels_AreExactlyByteOver255f(int height, int width)
    {
        var pixels = Enumerable.Range(0, height * width).Select(i => (byte)(i * 7)).ToArray();
        var images = new LabeledImages(pixels, [3], height, width);
        var copied = new float[height * width];

        images.CopyScaledImageTo(0, copied);

        var expected = pixels.Select(b => b / 255f).ToArray();
        Assert.Equal(expected, images.ToScaledPixels());
        Assert.Equal(expected, copied);
    }

    [Fact]
    public void Slice_CopiesTheRequestedImagesAndLabels()
    {
        var images = new LabeledImages([1, 1, 2, 2, 3, 3, 4, 4], [0, 1, 2, 3], height: 1, width: 2);

        var slice = images.Slice(1, 2);
        images.Pixels[2] = 99;

        Assert.Equal((2, 1, 2, 2), (slice.Count, slice.Height, slice.Width, slice.PixelsPerImage));
        Assert.Equal([2, 2, 3, 3], slice.Pixels);
        Assert.Equal([1, 2], slice.Labels);
        Assert.Equal([3, 3], slice.GetImage(1).ToArray());
    }

    [Fact]
    public void Slice_OutsideTheImages_IsRejected()
    {
        var images = new LabeledImages(new byte[8], new byte[4], height: 1, width: 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => images.Slice(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => images.GetImage(4));
    }

    [Fact]
    public void PixelCountThatDoesNotMatchTheLabels_IsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new LabeledImages(new byte[10], new byte[3], height: 2, width: 2));

        Assert.Contains("10 pixels do not make 3 images of 2x2 (expected 12)", error.Message);
    }

    [Fact]
    public void DataView_RejectsALabelWithoutAClassName()
    {
        var images = new LabeledImages(new byte[3], [0, 2, 1], height: 1, width: 1);

        var error = Assert.Throws<ArgumentException>(() => new LabeledImagesDataView(images, ["a", "b"]));

        Assert.Contains("Label 2 of image 1 is not a class index: there are 2 classes (0..1)", error.Message);
    }

    [Fact]
    public void Cursor_RejectsColumnsNotAskedForAndWrongTypes()
    {
        var view = new LabeledImagesDataView(new LabeledImages(new byte[2], [0, 1], height: 1, width: 1), ["a", "b"]);
        using var cursor = view.GetRowCursor([view.Schema["Label"]]);

        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(view.Schema["Features"]));
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<int>(view.Schema["Label"]));
        uint key = 0;
        var getLabel = cursor.GetGetter<uint>(view.Schema["Label"]);
        Assert.Throws<InvalidOperationException>(() => getLabel(ref key));
        Assert.True(cursor.MoveNext());
        getLabel(ref key);
        Assert.Equal(1u, key);
        Assert.True(cursor.MoveNext());
        Assert.False(cursor.MoveNext());
    }
}
