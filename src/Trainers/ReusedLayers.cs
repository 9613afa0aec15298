using System.Globalization;
using System.Security.Cryptography;
using System.Runtime.InteropServices;
using Microsoft.ML;
using MLNetDeep.Transforms.Onnx;
using MLNetDeep.Transforms.Scoring;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers;

/// <summary>
/// The first hidden layers of a trained MLNetDeep network, to start a new network from (Keras' <c>model_B_on_A</c>):
/// set it as <see cref="DeepNeuralNetworkOptions.ReusedLayers"/> and the new network's first
/// <see cref="HiddenLayerCount"/> hidden layers (and its input batch norm) start with these weights and batch-norm
/// statistics; its other layers, the output layer included, are initialised as usual, so the new task may differ
/// (multiclass to binary, for example).
/// </summary>
/// <remarks>
/// <para>
/// The reused layers are frozen for the first <see cref="FrozenEpochs"/> epochs: their weights get no gradient and no
/// update, and their batch norms normalize with the reused running statistics and keep them, as a Keras layer with
/// <c>trainable = False</c> does. From the next epoch on they train with the others, at
/// <see cref="LearningRateScaleAfterUnfreezing"/> times the learning rate (Keras: set <c>trainable = True</c>,
/// recompile, train). To lower the rate of every layer after unfreezing, as Géron's second edition does, add a
/// <see cref="Schedules.PiecewiseConstantSchedule"/> over epochs.
/// </para>
/// <para>
/// The weights are copied when this object is created, so it does not hold on to the model (which may be disposed).
/// Every tensor of the reused layers is copied: dense weights and biases, batch-norm scale, shift, running mean and
/// variance, PReLU slopes. The activation and dropout are the new options' own. A model loaded from a zip holds only the
/// exported ONNX graph, in which batch norms are folded into the dense layers: <see cref="ReusedLayers(ITransformer, int)"/>
/// reuses those folded dense layers, in a new network without batch norm in them.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var modelA = mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(optionsA).Fit(dataA);
/// var optionsB = new DeepNeuralNetworkOptions
/// {
///     HiddenLayers = optionsA.HiddenLayers,
///     ReusedLayers = new ReusedLayers(modelA, hiddenLayerCount: optionsA.HiddenLayers.Length) { FrozenEpochs = 4 },
///     Epochs = 20,
/// };
/// var modelBOnA = mlContext.BinaryClassification.Trainers.DeepNeuralNetwork(optionsB).Fit(dataB);
/// </code>
/// </example>
public sealed class ReusedLayers
{
    private readonly Dictionary<string, (long[] Shape, float[] Values)> _tensors = new(StringComparer.Ordinal);

    /// <summary>Copies the first <paramref name="hiddenLayerCount"/> hidden layers (and the input batch norm, if any) of <paramref name="model"/>.</summary>
    /// <param name="model">A fitted MLNetDeep DNN transformer, of any task.</param>
    /// <param name="hiddenLayerCount">How many hidden layers, from the input side; at least 1 and at most the model's.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hiddenLayerCount"/> is below 1 or above the model's hidden layers.</exception>
    public ReusedLayers(DeepNeuralNetworkTransformer model, int hiddenLayerCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        HiddenLayerCount = CopyFrom(model, hiddenLayerCount);
        Digest = ComputeDigest();
    }

    private int CopyFrom(DeepNeuralNetworkTransformer model, int hiddenLayerCount)
    {
        var network = model.Network;
        CheckCount(hiddenLayerCount, network.named_children().Count(c => c.name.StartsWith("hidden", StringComparison.Ordinal)));
        var prefixes = Prefixes(hiddenLayerCount);
        var named = network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers());
        foreach (var (name, tensor) in named)
        {
            // num_batches_tracked (int64) matters only for a cumulative momentum, which the MLP does not use.
            if (tensor.dtype != ScalarType.Float32 || !prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                continue;
            using var cpu = tensor.detach().cpu().contiguous();
            _tensors[name] = (cpu.shape, cpu.data<float>().ToArray());
        }
        return hiddenLayerCount;
    }

    private static int CheckCount(int hiddenLayerCount, int available)
    {
        if (hiddenLayerCount < 1 || hiddenLayerCount > available)
        {
            throw new ArgumentOutOfRangeException(nameof(hiddenLayerCount), hiddenLayerCount,
                $"hiddenLayerCount must be between 1 and the model's {available} hidden layers.");
        }
        return hiddenLayerCount;
    }

    private static float[] Transpose(float[] values, long rows, long columns)
    {
        var transposed = new float[values.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
                transposed[c * rows + r] = values[r * columns + c];
        }
        return transposed;
    }

    /// <summary>
    /// Copies the first <paramref name="hiddenLayerCount"/> hidden dense layers of a model loaded from a zip
    /// (<c>mlContext.Model.Load</c>), as its ONNX graph holds them: with every batch norm folded into a dense layer.
    /// </summary>
    /// <remarks>
    /// The exporter folds each batch norm into a neighbouring dense layer (W' = γ/σ·W, b' = β + γ·(b − μ)/σ; an input
    /// batch norm or one after an activation into the dense layer after it), so the graph holds no batch-norm layers and
    /// no running statistics, only dense layers that compute at inference what the dense layers and batch norms did.
    /// Those are what is reused: the new network must build the reused layers without batch norm
    /// (<see cref="BatchNormalizationPlacement.None"/>, no input batch norm), each with a bias. A batch norm after the
    /// last reused layer's activation went into the layer above it, which is not reused. For the unfolded weights and
    /// the statistics, reuse the transformer that <c>Fit</c> returned (<see cref="ReusedLayers(DeepNeuralNetworkTransformer, int)"/>).
    /// </remarks>
    /// <param name="loadedModel">A model zip loaded with <c>mlContext.Model.Load</c> (or the transformer <c>Fit</c> returned, which is read as by the other constructor).</param>
    /// <param name="hiddenLayerCount">How many hidden layers, from the input side; at least 1 and at most the model's.</param>
    /// <exception cref="InvalidDataException">The model is not an MLNetDeep scoring chain, or its graph is not a multilayer perceptron's.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hiddenLayerCount"/> is below 1 or above the model's hidden layers.</exception>
    public ReusedLayers(ITransformer loadedModel, int hiddenLayerCount)
    {
        ArgumentNullException.ThrowIfNull(loadedModel);
        HiddenLayerCount = loadedModel is DeepNeuralNetworkTransformer fitted ? CopyFrom(fitted, hiddenLayerCount) : CopyFromGraph(loadedModel, hiddenLayerCount);
        Digest = ComputeDigest();
    }

    // A loaded zip holds the exported graph only: its dense layers' initializers, batch norms folded in.
    private int CopyFromGraph(ITransformer loadedModel, int hiddenLayerCount)
    {
        var graph = OnnxModelReader.Parse(OnnxScoringChain.Read(loadedModel, "The model").OnnxModel, "the model's ONNX graph").Graph;
        // The exporter names initializers by module path under the exported root ("network.hidden1.linear.weight").
        string root = graph.Initializer.Select(i => i.Name).FirstOrDefault(n => n.EndsWith("hidden1.linear.weight", StringComparison.Ordinal)
            || n.EndsWith("hidden1.linear.weight_transposed", StringComparison.Ordinal)) is { } first ? first[..first.IndexOf("hidden1.linear.", StringComparison.Ordinal)] : "";
        var initializers = graph.Initializer.Where(i => i.Name.StartsWith(root, StringComparison.Ordinal))
            .ToDictionary(i => i.Name[root.Length..], StringComparer.Ordinal);
        int available = 0;
        while (initializers.ContainsKey(string.Create(CultureInfo.InvariantCulture, $"hidden{available + 1}.linear.weight"))
            || initializers.ContainsKey(string.Create(CultureInfo.InvariantCulture, $"hidden{available + 1}.linear.weight_transposed")))
            available++;
        if (available == 0)
        {
            throw new InvalidDataException(
                "The model's ONNX graph has no dense layer named 'hidden1.linear', so it is not an MLNetDeep multilayer perceptron; its initializers are " +
                string.Join(", ", graph.Initializer.Take(12).Select(i => $"'{i.Name}'")) + (graph.Initializer.Count > 12 ? ", ..." : "") + ".");
        }
        CheckCount(hiddenLayerCount, available);
        var prefixes = Prefixes(hiddenLayerCount);
        // Only the modules' own tensors, named as in torch: exporters may add constants of their own under a layer's path.
        string[] tensors = { ".weight", ".weight_transposed", ".bias", ".running_mean", ".running_var" };
        foreach (var (graphName, initializer) in initializers.Where(i => prefixes.Any(p => i.Key.StartsWith(p, StringComparison.Ordinal))
            && tensors.Any(t => i.Key.EndsWith(t, StringComparison.Ordinal))))
        {
            var values = initializer.FloatData.Count > 0 ? initializer.FloatData.ToArray() : MemoryMarshal.Cast<byte, float>(initializer.RawData.Span).ToArray();
            var shape = initializer.Dims.ToArray();
            string name = graphName;
            // A Linear on inputs of rank > 2 is exported as MatMul by Wᵀ; torch keeps W as [out, in].
            if (name.EndsWith(".weight_transposed", StringComparison.Ordinal))
            {
                (values, shape) = (Transpose(values, shape[0], shape[1]), new[] { shape[1], shape[0] });
                name = name[..^".weight_transposed".Length] + ".weight";
            }
            _tensors[name] = (shape, values);
        }
        return hiddenLayerCount;
    }

    /// <summary>How many hidden layers are reused, from the input side.</summary>
    public int HiddenLayerCount { get; }

    /// <summary>Epochs at the start during which the reused layers are frozen. Must be &gt;= 0. Default: 0 (they train from the first epoch).</summary>
    public int FrozenEpochs { get; init; }

    /// <summary>The factor on the learning rate of the reused layers once unfrozen. Must be finite and &gt;= 0 (0 keeps them frozen for good). Default: 1.</summary>
    public double LearningRateScaleAfterUnfreezing { get; init; } = 1;

    /// <summary>The names of the copied tensors (module path and tensor, e.g. "hidden1.linear.weight"), in the model's order.</summary>
    public IReadOnlyList<string> TensorNames => _tensors.Keys.ToList();

    /// <summary>The copied values of tensor <paramref name="name"/> (one of <see cref="TensorNames"/>), flattened in row-major order.</summary>
    /// <param name="name">A tensor name.</param>
    /// <exception cref="KeyNotFoundException">No reused tensor has that name.</exception>
    public IReadOnlyList<float> Values(string name) =>
        _tensors.TryGetValue(name, out var t) ? t.Values : throw new KeyNotFoundException($"No reused tensor is named '{name}'; they are {string.Join(", ", _tensors.Keys)}.");

    /// <summary>A hash of the copied tensors, for the checkpoint fingerprint.</summary>
    internal string Digest { get; }

    internal IReadOnlyDictionary<string, (long[] Shape, float[] Values)> Tensors => _tensors;

    /// <summary>The module-path prefixes of the reused part: the input batch norm and the first hidden layers.</summary>
    internal static IReadOnlyList<string> Prefixes(int hiddenLayerCount) =>
        new[] { "input_bn." }.Concat(Enumerable.Range(1, hiddenLayerCount).Select(i => string.Create(CultureInfo.InvariantCulture, $"hidden{i}."))).ToList();

    internal static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private string ComputeDigest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, (shape, values)) in _tensors)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + Shape(shape)));
            hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
