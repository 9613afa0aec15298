using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetDeep.Transforms.Imaging;

/// <summary>
/// Builds the ML.NET transforms that turn an image column into the pixel column an exported image model reads:
/// for paths, ML.NET's own <c>LoadRawImageBytes</c> (which keeps the image folder in the zip); then a copy to a fixed
/// column name; then the decoding mapping (<see cref="ImageDecoder"/>) at one of <see cref="CanonicalSizes"/>.
/// </summary>
/// <remarks>
/// ML.NET's <c>LoadImages</c> reads paths only, ignores EXIF orientation and scales with nearest-neighbour sampling,
/// so decoding is ours; it lives in this assembly, which has no TorchSharp, so serving stays free of it.
/// </remarks>
internal static class ImageDecoding
{
    /// <summary>The column the decoding mapping reads.</summary>
    public const string EncodedColumn = "MLNetDeepEncodedImage";

    /// <summary>The column the decoding mapping writes and the ONNX graph reads.</summary>
    public const string PixelsColumn = "MLNetDeepImagePixels";

    /// <summary>Changes whenever decoding would give other pixels for the same bytes; part of the feature cache's key.</summary>
    public const int DecoderVersion = 1;

    /// <summary>The square sizes images are decoded to; the ONNX graph scales from there to the backbone's input.</summary>
    public static IReadOnlyList<int> CanonicalSizes { get; } = [224, 448];

    /// <summary>The smallest canonical size that covers a <paramref name="width"/> × <paramref name="height"/> input, else the largest.</summary>
    public static int CanonicalSizeFor(int width, int height) =>
        CanonicalSizes.FirstOrDefault(s => s >= Math.Max(width, height), CanonicalSizes[^1]);

    /// <summary>
    /// The transforms from <paramref name="imageColumn"/> of <paramref name="data"/> to <see cref="PixelsColumn"/>,
    /// fitted on <paramref name="data"/>'s schema (no rows are read).
    /// </summary>
    public static ITransformer Create(TransformsCatalog transforms, IDataView data, string imageColumn, ImageColumnKind kind, string? imageFolder, int canonicalSize)
    {
        IEstimator<ITransformer> pipeline = kind == ImageColumnKind.Paths
            ? transforms.LoadRawImageBytes(EncodedColumn, imageFolder, imageColumn)
            : transforms.CopyColumns(EncodedColumn, imageColumn);
        pipeline = canonicalSize switch
        {
            224 => pipeline.Append(transforms.CustomMapping(new DecodeImage224Factory().GetMapping(), DecodeImage224Factory.ContractName)),
            448 => pipeline.Append(transforms.CustomMapping(new DecodeImage448Factory().GetMapping(), DecodeImage448Factory.ContractName)),
            _ => throw new ArgumentOutOfRangeException(nameof(canonicalSize), canonicalSize, $"Images are decoded at {string.Join(" or ", CanonicalSizes)} pixels."),
        };
        return pipeline.Fit(data);
    }

    /// <summary>The mapping's body: decodes one row, naming the image by its size when it fails (a mapping sees no row index).</summary>
    internal static void DecodeRow(VBuffer<byte> image, int size, float[] pixels)
    {
        var bytes = image.IsDense ? image.GetValues() : image.DenseValues().ToArray();
        ImageDecoder.Decode(bytes, size, pixels, $"The image in column '{EncodedColumn}' ({bytes.Length} bytes)");
    }
}
