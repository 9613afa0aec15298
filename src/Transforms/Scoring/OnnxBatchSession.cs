using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using MLNetDeep.Transforms.Onnx;
using MLNetDeep.Transforms.Onnx.Surgery;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// An ONNX Runtime session over a one-input, one-output float graph, fed [n, features] tensors of up to a batch
/// size of rows at a time. Each call allocates its own buffers, so calls from several threads may overlap
/// (ONNX Runtime's <c>Run</c> is thread-safe).
/// </summary>
internal sealed class OnnxBatchSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _sampleShape;
    private readonly int _batchSize;

    private OnnxBatchSession(InferenceSession session, string input, string output, int batchSize, string provider)
    {
        _session = session;
        _inputNames = new[] { input };
        _outputNames = new[] { output };
        _batchSize = batchSize;
        ExecutionProvider = provider;
        var inputShape = SampleShape(session.InputMetadata, input);
        _sampleShape = inputShape.Select(d => (long)d).ToArray();
        FeatureCount = inputShape.Aggregate(1, (a, b) => checked(a * b));
        OutputWidth = SampleShape(session.OutputMetadata, output).Aggregate(1, (a, b) => checked(a * b));
    }

    /// <summary>Floats per row the graph reads: the product of its input's dimensions after the batch.</summary>
    public int FeatureCount { get; }

    /// <summary>Floats per row the graph writes.</summary>
    public int OutputWidth { get; }

    /// <summary>"CPU" or "CUDA".</summary>
    public string ExecutionProvider { get; }

    /// <summary>
    /// Opens <paramref name="model"/>, on the GPU <paramref name="gpu"/> asks for when given (falling back to the CPU
    /// as <see cref="Hosting.GpuPolicy"/> says), and makes its batch dimension symbolic if it is fixed.
    /// </summary>
    public static OnnxBatchSession Create(byte[] model, string input, string output, BatchPredictorOptions options, Hosting.GpuRequest gpu, Action<string> warning)
    {
        var (session, provider) = Open(model, options, gpu, warning);
        if (session.InputMetadata.TryGetValue(input, out var metadata) && metadata.Dimensions.Length > 0 && metadata.Dimensions[0] > 0)
        {
            // A graph exported with a fixed batch (often 1) would refuse [n, features]; rewrite it to take any n.
            session.Dispose();
            var dynamic = OnnxBatchDimension.MakeDynamic(ModelProto.Parser.ParseFrom(model)).ToByteArray();
            (session, provider) = Open(dynamic, options, gpu, warning);
        }
        try
        {
            return new OnnxBatchSession(session, input, output, options.BatchSize, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the graph on <paramref name="rowCount"/> rows laid out one after another in <paramref name="features"/>.</summary>
    public float[] Run(ReadOnlySpan<float> features, int rowCount)
    {
        var outputs = new float[checked(rowCount * OutputWidth)];
        var buffer = new float[Math.Min(_batchSize, Math.Max(rowCount, 1)) * FeatureCount];
        using var run = new RunOptions();
        for (int start = 0; start < rowCount; start += _batchSize)
        {
            int count = Math.Min(_batchSize, rowCount - start);
            features.Slice(start * FeatureCount, count * FeatureCount).CopyTo(buffer);
            RunChunk(run, buffer, count, outputs.AsSpan(start * OutputWidth, count * OutputWidth));
        }
        return outputs;
    }

    /// <summary>Runs the graph on every row of <paramref name="column"/>, a known-size float vector column of <paramref name="data"/>.</summary>
    public (float[] Outputs, int RowCount) Run(IDataView data, DataViewSchema.Column column)
    {
        var outputs = new List<float>();
        var buffer = new float[_batchSize * FeatureCount];
        var chunk = new float[_batchSize * OutputWidth];
        using var run = new RunOptions();
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> row = default;
        int rows = 0, filled = 0;
        while (true)
        {
            bool more = cursor.MoveNext();
            if (more)
            {
                getter(ref row);
                row.CopyTo(buffer.AsSpan(filled * FeatureCount, FeatureCount));
                filled++;
            }
            if (filled == _batchSize || (!more && filled > 0))
            {
                RunChunk(run, buffer, filled, chunk.AsSpan(0, filled * OutputWidth));
                outputs.AddRange(chunk.AsSpan(0, filled * OutputWidth));
                rows += filled;
                filled = 0;
            }
            if (!more)
                return (outputs.ToArray(), rows);
        }
    }

    private void RunChunk(RunOptions run, float[] buffer, int count, Span<float> destination)
    {
        var shape = new long[_sampleShape.Length + 1];
        shape[0] = count;
        _sampleShape.CopyTo(shape, 1);
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count * FeatureCount), shape);
        using var results = _session.Run(run, _inputNames, new[] { input }, _outputNames);
        var values = results[0].GetTensorDataAsSpan<float>();
        if (values.Length != destination.Length)
            throw new InvalidDataException($"The ONNX graph returned {values.Length} values for {count} rows; {destination.Length} ({OutputWidth} per row) were expected.");
        values.CopyTo(destination);
    }

    private static int[] SampleShape(IReadOnlyDictionary<string, NodeMetadata> metadata, string name)
    {
        if (!metadata.TryGetValue(name, out var node))
            throw new InvalidDataException($"The ONNX graph has no input or output named '{name}' (it has {string.Join(", ", metadata.Keys.Select(k => $"'{k}'"))}).");
        if (node.ElementDataType != TensorElementType.Float)
            throw new InvalidDataException($"The ONNX graph's '{name}' holds {node.ElementDataType}; batch scoring needs float tensors.");
        var dims = node.Dimensions.Skip(1).ToArray();
        if (node.Dimensions.Length < 2 || dims.Any(d => d <= 0))
            throw new InvalidDataException($"The ONNX graph's '{name}' has shape [{string.Join(", ", node.Dimensions)}]; batch scoring needs [batch, fixed sizes...].");
        return dims;
    }

    private static (InferenceSession Session, string Provider) Open(byte[] model, BatchPredictorOptions options, Hosting.GpuRequest gpu, Action<string> warning) =>
        OnnxSessions.Open(model, gpu, options.SessionSettings, warning);

    public void Dispose() => _session.Dispose();
}
