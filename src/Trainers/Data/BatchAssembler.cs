using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Data;

/// <summary>Fixed buffers that streamed rows are copied into until a batch is full, then turned into tensors on the training device.</summary>
internal sealed class BatchAssembler
{
    private readonly float[] _features;
    private readonly float[] _targets;
    private readonly int _width;
    private readonly ITrainingObjective _objective;
    private readonly Device _device;

    public BatchAssembler(int batchSize, int width, ITrainingObjective objective, Device device)
    {
        _features = new float[(long)batchSize * width];
        _targets = new float[batchSize];
        _width = width;
        _objective = objective;
        _device = device;
    }

    /// <summary>Rows copied in since the last <see cref="Take"/>.</summary>
    public int Count { get; private set; }

    public void Append(ReadOnlySpan<float> row, float target)
    {
        row.CopyTo(_features.AsSpan(Count * _width, _width));
        _targets[Count++] = target;
    }

    /// <summary>The rows so far as a batch (copied, so the buffers can be refilled at once), and an empty assembler.</summary>
    public TrainingBatch Take()
    {
        int count = Count;
        Count = 0;
        Tensor features;
        using (var flat = as_tensor(_features))
        using (var used = flat.narrow(0, 0, (long)count * _width))
        using (var rows = used.view(count, _width))
            features = _device.type == TorchSharp.DeviceType.CPU ? rows.clone() : rows.to(_device);
        var targets = _objective.CreateTargets(count == _targets.Length ? _targets : _targets[..count], _device);
        return new TrainingBatch(features, targets, count);
    }
}
