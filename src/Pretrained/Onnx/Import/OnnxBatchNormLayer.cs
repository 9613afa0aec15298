using static TorchSharp.torch;
using MLNetDeep.Pretrained.Onnx.Import.Ops;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>
/// A BatchNormalization node of an <see cref="OnnxModule"/> whose running mean and variance are initializers, seen by
/// the trainer core as an <see cref="IBatchNormLayer"/>: its statistics are the module's buffers (read live), whether it
/// is frozen follows the module's <see cref="OnnxModule.BatchNormStatistics"/> and its layer's trainability.
/// </summary>
internal sealed class OnnxBatchNormLayer : IBatchNormLayer
{
    private readonly OnnxModule _module;
    private readonly BatchNormalizationOp _op;
    private readonly string _meanBuffer;
    private readonly string _varianceBuffer;

    public OnnxBatchNormLayer(OnnxModule module, int nodeIndex, string name, BatchNormalizationOp op, string meanBuffer, string varianceBuffer)
    {
        _module = module;
        NodeIndex = nodeIndex;
        Name = name;
        _op = op;
        _meanBuffer = meanBuffer;
        _varianceBuffer = varianceBuffer;
    }

    public int NodeIndex { get; }

    public string Name { get; }

    public Tensor RunningMean => _module.BufferNamed(_meanBuffer);

    public Tensor RunningVariance => _module.BufferNamed(_varianceBuffer);

    /// <summary>ONNX keeps no count of batches.</summary>
    public Tensor? BatchesTracked => null;

    /// <summary>A cumulative average (null) needs a batch count, which ONNX does not keep.</summary>
    public double? Momentum
    {
        get => _op.TorchMomentum;
        set => _op.TorchMomentum = value ?? throw new NotSupportedException($"BatchNormalization '{Name}' keeps no batch count, so it cannot keep a cumulative average; give a momentum.");
    }

    public bool Frozen => _module.UsesRunningStatisticsWhileTraining(NodeIndex);

    public void SetTraining(bool training) => _module.OverrideBatchNormMode(NodeIndex, training);
}
