using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using MLNetDeep.Transforms.Onnx;
using MLNetDeep.Transforms.Onnx.Surgery;

namespace MLNetDeep.Pretrained.FeatureExtraction;

/// <summary>
/// Runs an ONNX model (typically a backbone cut at its feature layer) over many samples in batches with ONNX
/// Runtime, returning one feature vector per sample. Samples are the model input without its batch dimension,
/// flattened (for ResNet18: 3 × 224 × 224 floats, see <c>ImageTensorLoader</c>). Not thread-safe: use one
/// extractor per thread.
/// </summary>
/// <example>
/// <code>
/// using var extractor = new OnnxFeatureExtractor("ResNet18.onnx", new OnnxFeatureExtractorOptions { BatchSize = 32, IntraOpThreads = 2 });
/// float[] features = extractor.Extract(images, count);   // count × 512
/// </code>
/// </example>
public sealed class OnnxFeatureExtractor : IDisposable
{
    private readonly InferenceSession _session;
    private readonly long[] _sampleShape;
    private readonly float[] _batchBuffer;
    private readonly RunOptions _runOptions = new();

    /// <summary>Loads the model from <paramref name="modelPath"/>.</summary>
    /// <param name="modelPath">The <c>.onnx</c> file.</param>
    /// <param name="options">Batch size, threads, device; <see langword="null"/> (the default) uses <see cref="OnnxFeatureExtractorOptions"/>' defaults.</param>
    /// <exception cref="OnnxImportException">The file is not a readable ONNX model.</exception>
    /// <exception cref="ArgumentException">The model's input is not one float tensor with a fixed sample shape, or a named input/output is missing.</exception>
    public OnnxFeatureExtractor(string modelPath, OnnxFeatureExtractorOptions? options = null)
        : this(OnnxModelReader.Read(modelPath), options)
    {
    }

    /// <summary>Uses an already parsed model (copied; later changes to it do not matter).</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Batch size, threads, device; <see langword="null"/> (the default) uses the defaults.</param>
    /// <exception cref="ArgumentException">The model's input is not one float tensor with a fixed sample shape, or a named input/output is missing.</exception>
    public OnnxFeatureExtractor(ModelProto model, OnnxFeatureExtractorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? new OnnxFeatureExtractorOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.BatchSize, nameof(OnnxFeatureExtractorOptions.BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.IntraOpThreads, nameof(OnnxFeatureExtractorOptions.IntraOpThreads));

        var declared = DeclaredInput(model, Options.InputName);
        var batchDimension = declared.Type?.TensorType?.Shape?.Dim.FirstOrDefault();
        var fixedBatch = batchDimension is { DimValue: > 0 } ? batchDimension.DimValue : (long?)null;
        if (fixedBatch is { } size && size != Options.BatchSize)
        {
            if (!Options.MakeBatchDynamic)
                throw new ArgumentException($"The model fixes the batch size of input '{declared.Name}' at {size} but BatchSize is {Options.BatchSize}; allow MakeBatchDynamic or use BatchSize {size}.", nameof(options));
            model = OnnxBatchDimension.MakeDynamic(model);
        }

        (_session, ExecutionProvider) = OnnxSessionFactory.Create(model.ToByteArray(), Options);
        try
        {
            InputName = Options.InputName ?? _session.InputMetadata.Keys.Single();
            OutputName = Options.OutputName ?? _session.OutputMetadata.Keys.First();
            if (!_session.OutputMetadata.ContainsKey(OutputName))
                throw new ArgumentException($"The model has no output '{OutputName}' (outputs: {string.Join(", ", _session.OutputMetadata.Keys)}).", nameof(options));
            var input = _session.InputMetadata[InputName];
            if (input.ElementDataType != TensorElementType.Float)
                throw new ArgumentException($"Input '{InputName}' holds {input.ElementDataType}; the extractor feeds float tensors.", nameof(model));
            _sampleShape = input.Dimensions.Skip(1).Select(d => (long)d).ToArray();
            if (_sampleShape.Any(d => d <= 0))
                throw new ArgumentException($"Input '{InputName}' has shape [{string.Join(",", input.Dimensions)}]; apart from the batch, every dimension must be fixed.", nameof(model));
            SampleLength = (int)_sampleShape.Aggregate(1L, (a, b) => a * b);
            _batchBuffer = new float[Options.BatchSize * SampleLength];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The options in force.</summary>
    public OnnxFeatureExtractorOptions Options { get; }

    /// <summary>Where the model runs: <c>"CPU"</c> or <c>"CUDA"</c>.</summary>
    public string ExecutionProvider { get; }

    /// <summary>The session configuration entries the ONNX Runtime session was created with (<see cref="OnnxFeatureExtractorOptions.AllowSpinning"/>).</summary>
    internal IReadOnlyDictionary<string, string> SessionConfigEntries => Options.SessionSettings.ConfigEntries;

    /// <summary>The model input that samples are fed to.</summary>
    public string InputName { get; }

    /// <summary>The model output returned as features.</summary>
    public string OutputName { get; }

    /// <summary>The output's shape without the batch dimension, as the last batch gave it; null before the first.</summary>
    public IReadOnlyList<long>? OutputSampleShape { get; private set; }

    /// <summary>Floats per sample (the input shape without the batch dimension, multiplied out).</summary>
    public int SampleLength { get; }

    /// <summary>
    /// Extracts the features of <paramref name="count"/> samples stored one after another in <paramref name="samples"/>.
    /// </summary>
    /// <param name="samples"><paramref name="count"/> × <see cref="SampleLength"/> floats.</param>
    /// <param name="count">How many samples.</param>
    /// <returns>The features, one vector after another: <paramref name="count"/> × (features per sample) floats.</returns>
    public float[] Extract(ReadOnlySpan<float> samples, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (samples.Length != (long)count * SampleLength)
            throw new ArgumentException($"Expected {count} samples of {SampleLength} floats ({(long)count * SampleLength}) but got {samples.Length} floats.", nameof(samples));
        float[]? features = null;
        var featureLength = 0;
        for (var start = 0; start < count; start += Options.BatchSize)
        {
            var batch = Math.Min(Options.BatchSize, count - start);
            var chunk = samples.Slice(start * SampleLength, batch * SampleLength);
            chunk.CopyTo(_batchBuffer);
            var batchFeatures = RunBatch(batch);
            featureLength = batchFeatures.Length / batch;
            features ??= new float[(long)count * featureLength];
            batchFeatures.CopyTo(features.AsSpan(start * featureLength));
        }
        return features ?? [];
    }

    /// <summary>Extracts features sample by sample, batching internally; the sequence is consumed lazily.</summary>
    /// <param name="samples">Samples of <see cref="SampleLength"/> floats each.</param>
    /// <returns>One feature vector per sample, in order.</returns>
    public IEnumerable<float[]> Extract(IEnumerable<float[]> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var filled = 0;
        foreach (var sample in samples)
        {
            if (sample.Length != SampleLength)
                throw new ArgumentException($"A sample has {sample.Length} floats; expected {SampleLength}.", nameof(samples));
            sample.CopyTo(_batchBuffer, filled * SampleLength);
            if (++filled < Options.BatchSize)
                continue;
            foreach (var vector in Split(RunBatch(filled), filled))
                yield return vector;
            filled = 0;
        }
        if (filled > 0)
        {
            foreach (var vector in Split(RunBatch(filled), filled))
                yield return vector;
        }
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _runOptions.Dispose();
        _session.Dispose();
    }

    private bool _disposed;

    private float[] RunBatch(int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long[] shape = [batch, .. _sampleShape];
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _batchBuffer.AsMemory(0, batch * SampleLength), shape);
        using var outputs = _session.Run(_runOptions, [InputName], [input], [OutputName]);
        OutputSampleShape = outputs[0].GetTensorTypeAndShape().Shape.Skip(1).ToArray();
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static IEnumerable<float[]> Split(float[] features, int count)
    {
        var length = features.Length / count;
        for (var i = 0; i < count; i++)
            yield return features.AsSpan(i * length, length).ToArray();
    }

    private static ValueInfoProto DeclaredInput(ModelProto model, string? name)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = model.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToArray();
        if (name is not null)
            return inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new ArgumentException($"The model has no input '{name}' (inputs: {string.Join(", ", inputs.Select(i => i.Name))}).", nameof(name));
        return inputs.Length == 1
            ? inputs[0]
            : throw new ArgumentException($"The model has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); set OnnxFeatureExtractorOptions.InputName.", nameof(model));
    }
}
