using TorchSharp.Modules;
using MLNetDeep.Trainers.Onnx.Export.Folding;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// Linear: one Gemm (transB = 1, so W keeps torch's [out, in] layout) on [N, in]; MatMul by Wᵀ plus Add on inputs of higher
/// rank, where Gemm does not apply. Batch norms the fold plan assigns to the layer are already in W and b.
/// </summary>
internal sealed class LinearExporter : ModuleExporter<Linear>
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, Linear module, long[] inputShape)
    {
        if (inputShape.Length == 0 || inputShape[^1] != module.in_features)
            throw ExportErrors.Unsupported(path, module,
                $"it expects inputs whose last dimension is in_features = {module.in_features}, but receives {BatchlessShape.Describe(inputShape)}");
        return [.. inputShape[..^1], module.out_features];
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, Linear module, string input)
    {
        var graph = context.Graph;
        var parameters = context.Folds.ParametersOf(step.Path, module);
        var output = ModulePath.Join(step.Path, "output");
        var gemm = step.InputShape.Length == 1;
        var weight = gemm
            ? graph.AddInitializer(ModulePath.Join(step.Path, "weight"), parameters.Weight, parameters.OutFeatures, parameters.InFeatures)
            : graph.AddInitializer(ModulePath.Join(step.Path, "weight_transposed"), Transpose(parameters), parameters.InFeatures, parameters.OutFeatures);
        var bias = parameters.Bias is null
            ? null
            : graph.AddInitializer(ModulePath.Join(step.Path, "bias"), parameters.Bias, parameters.OutFeatures);

        if (gemm)
        {
            string[] inputs = bias is null ? [input, weight] : [input, weight, bias];
            return graph.AddNode("Gemm", step.Path, inputs, output, OnnxAttributes.Int("transB", 1));
        }
        if (bias is null)
            return graph.AddNode("MatMul", step.Path, [input, weight], output);
        var product = graph.AddNode("MatMul", ModulePath.Join(step.Path, "MatMul"), [input, weight], ModulePath.Join(step.Path, "product"));
        return graph.AddNode("Add", ModulePath.Join(step.Path, "Add"), [product, bias], output);
    }

    private static float[] Transpose(LinearParameters parameters)
    {
        var transposed = new float[parameters.Weight.Length];
        for (var row = 0; row < parameters.OutFeatures; row++)
        {
            for (var col = 0; col < parameters.InFeatures; col++)
                transposed[col * parameters.OutFeatures + row] = parameters.Weight[row * parameters.InFeatures + col];
        }
        return transposed;
    }
}
