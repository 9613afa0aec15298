using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// What one streamed pre-pass learns about a subset of rows (the training or the validation rows), keeping
/// only a bounded amount of them: the count, the target statistics, the first rows (for the post-epoch output
/// check), the rows batch-normalization statistics are computed from (<see cref="StatisticsSample"/>) and, when
/// checkpoints need it, a SHA-256 of every row.
/// </summary>
internal sealed class StreamedSubsetSummary
{
    private readonly int _width;
    private readonly int _firstRowsKept;
    private readonly List<float> _firstRows = new();
    private IncrementalHash? _hash;
    private byte[]? _digest;

    public StreamedSubsetSummary(int width, bool trackClasses, int firstRowsKept, bool hashRows)
    {
        _width = width;
        _firstRowsKept = firstRowsKept;
        StatisticsRows = new StatisticsSample(width);
        Moments = new FeatureMoments(width);
        Targets = new TargetStatistics(trackClasses);
        _hash = hashRows ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    }

    public TargetStatistics Targets { get; }

    public long RowCount => Targets.Count;

    /// <summary>The first rows' features, row-major.</summary>
    public float[] FirstRows => _firstRows.ToArray();

    /// <summary>Every feature's exact moments over all the rows.</summary>
    public FeatureMoments Moments { get; }

    /// <summary>The evenly spaced rows for batch-normalization statistics.</summary>
    public StatisticsSample StatisticsRows { get; }

    public void Add(ReadOnlySpan<float> features, float target)
    {
        if (RowCount < _firstRowsKept)
            _firstRows.AddRange(features[.._width]);
        StatisticsRows.Add(features);
        Moments.Add(features);
        Targets.Add(target);
        if (_digest is not null)
            throw new InvalidOperationException("The rows' digest was already taken.");
        if (_hash is not null)
        {
            _hash.AppendData(MemoryMarshal.AsBytes(features[.._width]));
            _hash.AppendData(BitConverter.GetBytes(target));
        }
    }

    /// <summary>The rows' SHA-256 (empty when not hashing), once the pass is over: no row can be added after it.</summary>
    public byte[] Digest()
    {
        if (_digest is null)
        {
            _digest = _hash?.GetHashAndReset() ?? Array.Empty<byte>();
            _hash?.Dispose();
            _hash = null;
        }
        return _digest;
    }
}
