using Microsoft.ML.OnnxRuntime;

namespace MLNetDeep.Transforms.Onnx;

/// <summary>
/// The CPU threading of the ONNX Runtime sessions MLNetDeep opens itself (feature extraction, batch scoring; the
/// <c>OnnxTransformer</c> of a scoring chain opens ML.NET's own).
/// </summary>
/// <param name="IntraOpThreads">ONNX Runtime's intra-op threads; 0 for its default (one per physical core).</param>
/// <param name="AllowSpinning">
/// Whether the intra-op pool's threads spin-wait for work at the end of each parallel region (ONNX Runtime's default)
/// instead of sleeping. Off, <c>session.intra_op.allow_spinning</c> is "0": on a machine whose cores are busy, the
/// spinning burned CPU that the work needed (BENCHMARKS.md section 9a: 1.6× the time per image at batch 1 on 2 threads).
/// </param>
internal sealed record OnnxSessionSettings(int IntraOpThreads, bool AllowSpinning)
{
    /// <summary>ONNX Runtime's session configuration key for intra-op spin-waiting.</summary>
    public const string AllowSpinningKey = "session.intra_op.allow_spinning";

    /// <summary>The session configuration entries <see cref="Apply"/> adds.</summary>
    public IReadOnlyDictionary<string, string> ConfigEntries => AllowSpinning
        ? new Dictionary<string, string>()
        : new Dictionary<string, string> { [AllowSpinningKey] = "0" };

    /// <summary>Sets the optimization level, sequential execution, the thread counts and <see cref="ConfigEntries"/> on <paramref name="sessionOptions"/>.</summary>
    public void Apply(SessionOptions sessionOptions)
    {
        sessionOptions.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
        sessionOptions.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
        sessionOptions.InterOpNumThreads = 1;
        if (IntraOpThreads > 0)
            sessionOptions.IntraOpNumThreads = IntraOpThreads;
        foreach (var (key, value) in ConfigEntries)
            sessionOptions.AddSessionConfigEntry(key, value);
    }
}
