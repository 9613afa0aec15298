using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Onnx.Import.Ops;

/// <summary>
/// BatchNormalization (inputs X, scale, B, mean, var). In evaluation — or while training with frozen statistics —
/// it normalizes with the running mean and variance; while training it normalizes with the batch's and updates
/// the running values in place. ONNX's <c>momentum</c> weighs the old running value (0.9 by default), the
/// opposite of libtorch's. Opset 1–8 <c>spatial</c>=0 (statistics per activation instead of per channel) is
/// supported; the training-only outputs (running/saved mean and variance) are not.
/// </summary>
internal sealed class BatchNormalizationOp : OnnxOp
{
    private readonly double _epsilon;
    private readonly bool _spatial;
    private readonly int _layerNode;

    private BatchNormalizationOp(OnnxNodeContext context)
    {
        _epsilon = context.GetFloat("epsilon", 1e-5f);
        TorchMomentum = 1.0 - context.GetFloat("momentum", 0.9f);
        _spatial = context.GetInt("spatial", 1) != 0;
        // is_test (opset 1–6), consumed_inputs (opset 1) and training_mode (opset 14+) describe how the graph was
        // meant to run; the module's own train/eval mode decides here.
        context.GetInt("is_test", 0);
        context.Accept("consumed_inputs");
        context.GetInt("training_mode", 0);
        for (var i = 1; i < context.OutputCount; i++)
        {
            if (context.HasOutput(i))
                throw context.Error($"output {i} (a training statistic) is used by the graph; only output Y is supported.", "outputs");
        }
        _layerNode = context.Index;
    }

    public static OnnxOp Create(OnnxNodeContext context) => new BatchNormalizationOp(context);

    /// <summary>
    /// The weight of a batch's statistics in the running ones (libtorch's convention, 1 minus ONNX's momentum). Settable
    /// so that the precise statistics refresh can make the running values exactly one chunk's (1.0) and restore it.
    /// </summary>
    public double TorchMomentum { get; set; }

    public override Tensor?[] Forward(Tensor?[] inputs, OnnxRunState state)
    {
        var x = Required(inputs, 0);
        var scale = Required(inputs, 1);
        var bias = Required(inputs, 2);
        var mean = Required(inputs, 3);
        var variance = Required(inputs, 4);
        var batchStatistics = state.UsesBatchStatistics(_layerNode);
        if (_spatial || scale.dim() == 1 && x.dim() == 2)
            return [F.batch_norm(x, mean, variance, scale, bias, batchStatistics, TorchMomentum, _epsilon)];
        return [PerActivation(x, scale, bias, mean, variance, batchStatistics)];
    }

    // spatial=0: one mean and variance per activation (C x D1 x ...), taken over the batch axis only.
    private Tensor PerActivation(Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor variance, bool batchStatistics)
    {
        using var scope = NewDisposeScope();
        var shape = new long[x.dim()];
        shape[0] = 1;
        Array.Copy(x.shape, 1, shape, 1, shape.Length - 1);
        Tensor useMean, useVariance;
        if (batchStatistics)
        {
            useMean = x.mean([0], keepdim: true);
            useVariance = x.var([0], unbiased: false, keepdim: true);
            using (no_grad())
            {
                var unbiased = x.shape[0] > 1 ? useVariance * (x.shape[0] / (double)(x.shape[0] - 1)) : useVariance;
                mean.mul_(1 - TorchMomentum).add_(useMean.reshape(mean.shape).detach(), alpha: TorchMomentum);
                variance.mul_(1 - TorchMomentum).add_(unbiased.reshape(variance.shape).detach(), alpha: TorchMomentum);
            }
        }
        else
        {
            useMean = mean.reshape(shape);
            useVariance = variance.reshape(shape);
        }
        var normalized = (x - useMean) / (useVariance + _epsilon).sqrt() * scale.reshape(shape) + bias.reshape(shape);
        return normalized.MoveToOuterDisposeScope();
    }
}
