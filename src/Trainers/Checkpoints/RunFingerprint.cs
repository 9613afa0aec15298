using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers.Checkpoints;

/// <summary>
/// Identifies what a checkpoint can resume: a hash of every option that shapes the training
/// trajectory, the resolved seed, and the training and validation data themselves. The number of
/// epochs is left out, so a finished run can be resumed to train longer.
/// </summary>
internal static class RunFingerprint
{
    public static string Compute(TrainingOptions o, int seed, TrainingMatrix train, TrainingMatrix? validation) =>
        Compute(o, seed, streamed: false, hash =>
        {
            AppendData(hash, train);
            if (validation is not null)
                AppendData(hash, validation);
        });

    /// <summary>
    /// The fingerprint of a streamed run, from the SHA-256 of the training and validation rows that its pre-pass
    /// computed. The shuffle buffer size shapes the streamed order, so it is part of it.
    /// </summary>
    public static string Compute(TrainingOptions o, int seed, long trainRows, byte[] trainDigest, long validationRows, byte[] validationDigest) =>
        Compute(o, seed, streamed: true, hash =>
        {
            hash.AppendData(BitConverter.GetBytes(trainRows));
            hash.AppendData(trainDigest);
            hash.AppendData(BitConverter.GetBytes(validationRows));
            hash.AppendData(validationDigest);
        });

    /// <summary>The options part of the fingerprint: every part of the options, the resolved seed, and for a streamed run the shuffle buffer size.</summary>
    internal static FingerprintText Text(TrainingOptions o, int seed, bool streamed)
    {
        var text = new FingerprintText();
        text.Add("v", CheckpointStore.FormatVersion);
        text.Add("Seed", seed);
        o.AddToFingerprint(text);
        if (streamed)
        {
            text.Add("Loading", "Streaming");
            text.Add(nameof(o.ShuffleBufferRows), o.ShuffleBufferRows);
        }
        return text;
    }

    private static string Compute(TrainingOptions o, int seed, bool streamed, Action<IncrementalHash> appendData)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(Text(o, seed, streamed).ToString()));
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
