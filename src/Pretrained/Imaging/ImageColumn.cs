using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Transforms.Imaging;

namespace MLNetDeep.Pretrained.Imaging;

/// <summary>Checks an image column's type: encoded bytes or paths, nothing else.</summary>
internal static class ImageColumn
{
    /// <exception cref="ArgumentException">The column is missing or has another type.</exception>
    public static ImageColumnKind Kind(DataViewSchema schema, string name, string dataRole)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentException(
                $"The {dataRole} data has no image column '{name}' (columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}); set ImageColumnName.");
        return Kind(column.Type, name);
    }

    /// <exception cref="ArgumentException">The type is not encoded bytes or text.</exception>
    public static ImageColumnKind Kind(DataViewType type, string name)
    {
        if (type is TextDataViewType)
            return ImageColumnKind.Paths;
        if (type is VectorDataViewType { ItemType: var item, Dimensions.Length: 1 } && item == NumberDataViewType.Byte)
            return ImageColumnKind.EncodedBytes;
        var hint = type.GetType().Name == "ImageDataViewType"
            ? " It holds decoded images (LoadImages); use mlContext.Transforms.LoadRawImageBytes instead, or pass the paths."
            : "";
        throw new ArgumentException(
            $"Image column '{name}' has type {type}; expected VarVector<Byte> (the encoded bytes of JPEG/PNG files, as " +
            $"mlContext.Transforms.LoadRawImageBytes gives) or Text (image paths).{hint}");
    }
}
