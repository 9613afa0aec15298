using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Checkpoints;

/// <summary>
/// Identifies what a checkpoint can resume: a hash of every option that shapes the training
/// trajectory, the resolved seed, and the training and validation data themselves. The number of
/// epochs is left out, so a finished run can be resumed to train longer.
/// </summary>
internal static class RunFingerprint
{
    public static string Compute(DeepNeuralNetworkOptions o, int seed, TrainingMatrix train, TrainingMatrix? validation) =>
        Compute(o, seed, "", hash =>
        {
            AppendData(hash, train);
            if (validation is not null)
                AppendData(hash, validation);
        });

    /// <summary>
    /// The fingerprint of a streamed run, from the SHA-256 of the training and validation rows that its pre-pass
    /// computed. The shuffle buffer size shapes the streamed order, so it is part of it.
    /// </summary>
    public static string Compute(DeepNeuralNetworkOptions o, int seed, long trainRows, byte[] trainDigest, long validationRows, byte[] validationDigest) =>
        Compute(o, seed, $"Loading=Streaming;{nameof(o.ShuffleBufferRows)}={o.ShuffleBufferRows};", hash =>
        {
            hash.AppendData(BitConverter.GetBytes(trainRows));
            hash.AppendData(trainDigest);
            hash.AppendData(BitConverter.GetBytes(validationRows));
            hash.AppendData(validationDigest);
        });

    private static string Compute(DeepNeuralNetworkOptions o, int seed, string loading, Action<IncrementalHash> appendData)
    {
        var text = new StringBuilder();
        void Add(string name, object? value) => text.Append(name).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append(';');
        Add("v", CheckpointStore.FormatVersion);
        Add(nameof(o.LabelColumnName), o.LabelColumnName);
        Add(nameof(o.FeatureColumnName), o.FeatureColumnName);
        Add(nameof(o.HiddenLayers), string.Join(",", o.HiddenLayers));
        Add(nameof(o.Activation), o.Activation);
        Add(nameof(o.ActivationAlpha), o.ActivationAlpha);
        Add(nameof(o.WeightInitializer), o.WeightInitializer);
        Add(nameof(o.BatchNormalization), o.BatchNormalization);
        Add(nameof(o.InputBatchNormalization), o.InputBatchNormalization);
        Add(nameof(o.DropoutRate), o.DropoutRate);
        Add(nameof(o.L1), o.L1);
        Add(nameof(o.L2), o.L2);
        Add(nameof(o.Optimizer), o.Optimizer);
        Add(nameof(o.LearningRate), o.LearningRate);
        Add(nameof(o.Momentum), o.Momentum);
        Add(nameof(o.Beta1), o.Beta1);
        Add(nameof(o.Beta2), o.Beta2);
        Add(nameof(o.Epsilon), o.Epsilon);
        Add(nameof(o.Rho), o.Rho);
        Add(nameof(o.WeightDecay), o.WeightDecay);
        Add(nameof(o.BatchSize), o.BatchSize);
        Add(nameof(o.Shuffle), o.Shuffle);
        Add("Seed", seed);
        Add(nameof(o.LearningRateSchedule), o.LearningRateSchedule?.GetType().FullName);
        Add(nameof(o.GradientClipNorm), o.GradientClipNorm);
        Add(nameof(o.GradientClipValue), o.GradientClipValue);
        Add(nameof(o.MaxNorm), o.MaxNorm);
        // The optimizer state's shapes follow the parameter layout, so one layout cannot resume the other's.
        Add(nameof(o.FlatParameterBuffer), o.FlatParameterBuffer);
        Add(nameof(o.EarlyStopping), o.EarlyStopping is { } e ? $"{e.Metric},{e.Patience},{e.MinDelta},{e.RestoreBestWeights}" : null);
        Add(nameof(o.PreciseBatchNormStatistics), o.PreciseBatchNormStatistics);
        Add(nameof(o.LabelSmoothing), o.LabelSmoothing);

        text.Append(loading);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
        appendData(hash);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static void AppendData(IncrementalHash hash, TrainingMatrix data)
    {
        hash.AppendData(BitConverter.GetBytes(data.RowCount));
        hash.AppendData(BitConverter.GetBytes(data.FeatureCount));
        hash.AppendData(MemoryMarshal.AsBytes(data.Features.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(data.Targets.AsSpan()));
    }
}
