using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Checkpoints;

/// <summary>The non-tensor part of a checkpoint, stored as JSON.</summary>
internal sealed class CheckpointMetadata
{
    public int FormatVersion { get; set; } = CheckpointStore.FormatVersion;
    public string Fingerprint { get; set; } = "";
    public long Step { get; set; }
    public bool StopRequested { get; set; }
    public List<EpochRecord> Epochs { get; set; } = new();
    public List<GradientNormRecord> GradientNorms { get; set; } = new();
    public Dictionary<string, double> ScheduleState { get; set; } = new();
    public Dictionary<string, double>? EarlyStoppingState { get; set; }
    public bool HasBestWeights { get; set; }
}
