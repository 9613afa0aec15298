using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNetDeep.Transforms.Imaging;

/// <summary>
/// The input row of the image decoding mapping: the encoded bytes in <see cref="ImageDecoding.EncodedColumn"/>.
/// Public only because ML.NET's custom mappings bind public members; saved models use it, applications need not.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EncodedImageRow
{
    /// <summary>The encoded image (JPEG, PNG, ...).</summary>
    [ColumnName(ImageDecoding.EncodedColumn)]
    public VBuffer<byte> Image;
}

/// <summary>The output row of the 224-pixel decoding mapping: 3 × 224 × 224 RGB floats, 0..255, channels first.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class DecodedImage224Row
{
    /// <summary>The decoded, cropped and scaled pixels.</summary>
    [ColumnName(ImageDecoding.PixelsColumn)]
    [VectorType(3, 224, 224)]
    public float[] Pixels = new float[3 * 224 * 224];
}

/// <summary>The output row of the 448-pixel decoding mapping: 3 × 448 × 448 RGB floats, 0..255, channels first.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class DecodedImage448Row
{
    /// <summary>The decoded, cropped and scaled pixels.</summary>
    [ColumnName(ImageDecoding.PixelsColumn)]
    [VectorType(3, 448, 448)]
    public float[] Pixels = new float[3 * 448 * 448];
}

/// <summary>
/// The saved form of image decoding at 224 pixels. ML.NET stores only the contract name and this assembly's name in
/// the model zip and finds the factory again when the zip is loaded, so a loaded model decodes as training did.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class DecodeImage224Factory : CustomMappingFactory<EncodedImageRow, DecodedImage224Row>
{
    /// <summary>The contract name saved in model zips.</summary>
    public const string ContractName = "MLNetDeep.DecodeImage.224";

    /// <inheritdoc />
    public override Action<EncodedImageRow, DecodedImage224Row> GetMapping() => (input, output) =>
        ImageDecoding.DecodeRow(input.Image, 224, output.Pixels);
}

/// <summary>The saved form of image decoding at 448 pixels (for backbones whose input is larger than 224).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class DecodeImage448Factory : CustomMappingFactory<EncodedImageRow, DecodedImage448Row>
{
    /// <summary>The contract name saved in model zips.</summary>
    public const string ContractName = "MLNetDeep.DecodeImage.448";

    /// <inheritdoc />
    public override Action<EncodedImageRow, DecodedImage448Row> GetMapping() => (input, output) =>
        ImageDecoding.DecodeRow(input.Image, 448, output.Pixels);
}
