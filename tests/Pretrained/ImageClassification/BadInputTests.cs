using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using SkiaSharp;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>Every bad input of the image estimator gets an error naming the column, row or file and what was expected.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly SyntheticImageSet _set = new(perClass: 3, classes: 2);
    private readonly MLContext _context = new(1);

    public void Dispose() => _set.Dispose();

    private Exception Fit(IDataView data, Action<ImageTransferLearningOptions>? change = null)
    {
        var options = _set.Options();
        change?.Invoke(options);
        return Record.Exception(() => _context.MulticlassClassification.Trainers.ImageTransferLearning(options).Fit(data).Dispose())!;
    }

    private IDataView WithImage(int row, byte[] bytes)
    {
        File.WriteAllBytes(_set.Rows[row].Path, bytes);
        return _set.Load(_context);
    }

    [Fact]
    public void A_corrupt_image_names_its_row_and_column()
    {
        var e = Assert.IsType<InvalidDataException>(Fit(WithImage(2, "not an image at all"u8.ToArray())));
        Assert.StartsWith("The image in row 2 of column 'Image' is not an image that can be decoded (19 bytes", e.Message);
    }

    [Fact]
    public void A_truncated_image_names_its_row()
    {
        var jpeg = File.ReadAllBytes(_set.Rows[4].Path);
        var e = Assert.IsType<InvalidDataException>(Fit(WithImage(4, jpeg[..(jpeg.Length / 2)])));
        Assert.StartsWith("The image in row 4 of column 'Image' is truncated", e.Message);
    }

    [Fact]
    public void An_empty_byte_array_names_its_row()
    {
        var e = Assert.IsType<InvalidDataException>(Fit(WithImage(1, [])));
        Assert.Equal("The image in row 1 of column 'Image' is empty (0 bytes); expected the bytes of a JPEG or PNG file.", e.Message);
    }

    [Fact]
    public void A_missing_path_names_the_file_and_row()
    {
        var rows = _set.Rows.ToList();
        rows[3] = new SyntheticImageSet.ImageFile { Path = Path.Combine(_set.Folder, "images", "gone.jpg"), Class = rows[3].Class };
        var e = Assert.IsType<InvalidDataException>(Fit(_set.Load(_context, rows, bytes: false)));
        Assert.Equal($"The image file '{rows[3].Path}' (row 3 of column 'Image') does not exist.", e.Message);
    }

    [Fact]
    public void An_image_smaller_than_32_pixels_is_scaled_up_with_a_warning_naming_it()
    {
        using var log = new LogCapture(_context);
        File.WriteAllBytes(_set.Rows[0].Path, TestImages.Noisy(20, 24, new SKColor(200, 30, 30), seed: 3));
        using var model = _context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(_set.Load(_context));
        var warning = Assert.Single(log.Warnings, w => w.Contains("shorter than 32 pixels", StringComparison.Ordinal));
        Assert.Contains("1 image(s) have a side shorter than 32 pixels and were scaled up to 224x224", warning);
        Assert.Contains("The image in row 0 of column 'Image' (20x24)", warning);
    }

    [Fact]
    public void A_label_with_one_class_is_refused()
    {
        var oneClass = _set.Rows.Where(r => r.Class == "red").ToList();
        var data = _context.Data.LoadFromEnumerable(oneClass);
        var keyed = _context.Transforms.Conversion.MapValueToKey("Label", "Class").Append(_context.Transforms.LoadRawImageBytes("Image", null, "Path")).Fit(data).Transform(data);
        var e = Assert.IsType<ArgumentException>(Fit(keyed));
        Assert.Contains("Label column 'Label' is a key with 1 value(s); multiclass training needs at least 2 classes.", e.Message);
    }

    [Fact]
    public void Images_of_a_single_class_of_several_are_refused()
    {
        var e = Assert.IsType<ArgumentException>(Fit(_set.Load(_context, _set.Rows.Where(r => r.Class == "blue"))));
        Assert.Equal("Label column 'Label' has images of the single class 'blue' (3 images); a classifier needs images of at least 2 classes.", e.Message);
    }

    [Fact]
    public void A_class_with_no_training_images_is_named()
    {
        var data = _context.Data.LoadFromEnumerable(_set.Rows);
        var names = _context.Data.LoadFromEnumerable(new[] { "red", "blue", "violet" }.Select(n => new SyntheticImageSet.ImageFile { Class = n }));
        var keyed = _context.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: _context.Transforms.SelectColumns("Class").Fit(names).Transform(names))
            .Append(_context.Transforms.LoadRawImageBytes("Image", null, "Path")).Fit(data).Transform(data);
        var e = Assert.IsType<ArgumentException>(Fit(keyed));
        Assert.StartsWith("Label column 'Label' has 3 classes, but class(es) 'violet' have no training images", e.Message);
    }

    [Fact]
    public void An_image_column_of_the_wrong_type_says_what_is_expected()
    {
        var floats = _context.Data.LoadFromEnumerable(_set.Rows.Select(r => new FloatImage { Image = 1f, Class = r.Class }));
        var data = _context.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(floats).Transform(floats);
        var e = Assert.IsType<ArgumentException>(Fit(data));
        Assert.StartsWith("Image column 'Image' has type Single; expected VarVector<Byte> (the encoded bytes of JPEG/PNG files", e.Message);
        var decoded = _context.Transforms.LoadImages("Image", null, "Path").Fit(_set.Load(_context, bytes: false)).Transform(_context.Data.LoadFromEnumerable(_set.Rows));
        var keyed = _context.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(decoded).Transform(decoded);
        Assert.Contains("use mlContext.Transforms.LoadRawImageBytes instead", Assert.IsType<ArgumentException>(Fit(keyed)).Message);
    }

    [Fact]
    public void A_backbone_file_with_another_checksum_is_refused()
    {
        var wrong = new string('0', 64);
        var e = Assert.IsType<InvalidDataException>(Fit(_set.Load(_context), o => o.Backbone = SyntheticBackbone.Backbone(_set.BackbonePath, sha256: wrong)));
        Assert.Contains($"The backbone file '{_set.BackbonePath}' has SHA-256 ", e.Message);
        Assert.Contains($"but {wrong} was expected", e.Message);
    }

    [Fact]
    public void A_feature_tensor_that_does_not_exist_is_named_with_the_tensors_there_are()
    {
        var e = Assert.IsType<ArgumentException>(Fit(_set.Load(_context), o => o.Backbone = SyntheticBackbone.Backbone(_set.BackbonePath, featureTensor: "pool5")));
        Assert.Equal("The backbone 'backbone.onnx' has no tensor named 'pool5' (the feature tensor). Its outputs are: features; the last nodes produce: block2_conv_b, block2_bn_b, block2_sum, block2_out, features.", e.Message);
    }

    [Fact]
    public void An_opset_8_backbone_is_upgraded_and_trains()
    {
        SyntheticBackbone.Write(_set.BackbonePath, opset: 8);
        using var model = _context.MulticlassClassification.Trainers.ImageTransferLearning(_set.Options()).Fit(_set.Load(_context));
        Assert.Equal(1.0, _context.MulticlassClassification.Evaluate(model.Transform(_set.Load(_context))).MacroAccuracy);
    }

    [Fact]
    public void Options_out_of_range_name_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => _context.MulticlassClassification.Trainers.ImageTransferLearning(new ImageTransferLearningOptions { FeatureBatchSize = 0 }));
        Assert.StartsWith("ImageTransferLearningOptions.FeatureBatchSize is 0; expected at least 1.", e.Message);
        e = Assert.Throws<ArgumentException>(() => _context.MulticlassClassification.Trainers.ImageTransferLearning(new ImageTransferLearningOptions { FineTuning = new() { RandomResizedCropMinimumArea = 1.5 } }));
        Assert.StartsWith("ImageTransferLearningOptions.FineTuning.RandomResizedCropMinimumArea is 1.5;", e.Message);
    }

    private sealed class FloatImage
    {
        public float Image { get; set; }

        public string Class { get; set; } = "";
    }
}
