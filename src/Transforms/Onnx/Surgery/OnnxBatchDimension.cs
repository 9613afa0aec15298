using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>
/// Makes a model's batch (leading) dimension symbolic, so that ONNX Runtime accepts any batch size. Models such
/// as the CNTK-exported ResNet18.onnx fix it at 1, and ONNX Runtime then rejects a batch of 4.
/// </summary>
public static class OnnxBatchDimension
{
    /// <summary>The symbolic name given to the batch dimension by default: <c>"N"</c>.</summary>
    public const string DefaultDimParam = "N";

    /// <summary>
    /// Returns a copy of <paramref name="model"/> whose graph inputs, outputs and intermediate shapes
    /// (<c>value_info</c>) have a symbolic leading dimension, and whose Reshape nodes with a constant target shape
    /// that bakes in the old batch size copy it from their input instead (OnnxSharp's <c>SetDim</c>).
    /// </summary>
    /// <param name="model">The model; it is not changed.</param>
    /// <param name="dimParam">The symbolic name of the batch dimension; default <see cref="DefaultDimParam"/>.</param>
    /// <returns>The batch-dynamic copy.</returns>
    /// <remarks>
    /// Every tensor of rank 1 or more among inputs, outputs and <c>value_info</c> is taken to lead with the batch.
    /// Constants that bake the batch size into other ops (Expand, Tile, ConstantOfShape) are not rewritten.
    /// </remarks>
    public static ModelProto MakeDynamic(ModelProto model, string dimParam = DefaultDimParam)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(dimParam);
        var copy = model.Clone();
        copy.Graph.SetDim(0, DimParamOrValue.New(dimParam));
        return copy;
    }
}
