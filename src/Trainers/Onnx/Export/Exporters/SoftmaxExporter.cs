using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export.Exporters;

/// <summary>
/// Softmax and LogSoftmax: the ONNX operator of the same name along the module's dim (opset 13 and later normalize along that
/// one axis, as torch does). A dim of 0 would mix the rows of a batch, which ML.NET scores one at a time, so it is refused.
/// </summary>
/// <typeparam name="TModule">Softmax or LogSoftmax.</typeparam>
/// <param name="opType">"Softmax" or "LogSoftmax".</param>
/// <param name="dimOf">Reads the module's dim.</param>
internal sealed class SoftmaxExporter<TModule>(string opType, Func<TModule, long> dimOf) : ModuleExporter<TModule>
    where TModule : Module
{
    /// <inheritdoc />
    protected override long[] InferOutputShape(string path, TModule module, long[] inputShape)
    {
        if (BatchlessShape.NormalizeDim(dimOf(module), inputShape, path, module) == 0)
            throw ExportErrors.Unsupported(path, module,
                "dim 0 normalizes across the batch, so each row's output would depend on the other rows; use a feature dim such as 1 or -1");
        return inputShape;
    }

    /// <inheritdoc />
    protected override string Emit(ModuleExportContext context, ExportStep step, TModule module, string input)
    {
        var axis = BatchlessShape.NormalizeDim(dimOf(module), step.InputShape, step.Path, module);
        return context.Graph.AddNode(opType, step.Path, [input], ModulePath.Join(step.Path, "output"), OnnxAttributes.Int("axis", axis));
    }
}
