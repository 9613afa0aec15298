using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Transforms.Onnx;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// Reads ResNet50V2 weights from an ONNX model of the Keras network, directly from its nodes: each Keras layer is the
/// Conv, BatchNormalization, Gemm or MatMul node whose name has the layer's name as one of its '/', '.' or ':' separated
/// parts, and its weights are that node's inputs by position (initializers or Constant nodes), whatever they are called.
/// </summary>
/// <remarks>
/// <para>
/// Converters name nodes after the Keras layers but not their weights: tf2onnx writes nodes such as
/// <c>StatefulPartitionedCall/resnet50v2/conv2_block1_1_conv/Conv2D</c> with initializers named after TensorFlow ops or
/// constant folding; keras2onnx writes <c>conv2_block1_1_conv</c>; this library's exporter writes the module path
/// (<c>conv2_block1.conv2_block1_out.main.conv2_block1_1_conv</c>). Node names therefore identify a layer in all three,
/// initializer names in none. ONNX convolution weights are already OIHW.
/// </para>
/// <para>
/// Converters fold a batch norm that directly follows a convolution into it (tf2onnx does, and so does this library's
/// exporter unless <c>FoldBatchNorm</c> is off): <c>_1_bn</c> and <c>_2_bn</c> then have no node and their convolution has
/// a bias that Keras' has not. Such a pair is loaded as the folded convolution followed by a batch norm that adds the bias
/// (gamma 1, beta the bias, moving mean 0, moving variance 1 - epsilon), which computes exactly what the graph computes;
/// Keras' own statistics cannot be recovered from a folded graph.
/// </para>
/// </remarks>
internal static class OnnxWeightsReader
{
    private static readonly char[] NameSeparators = ['/', '.', ':'];

    /// <summary>Reads, checks and copies the model's weights into <paramref name="network"/>.</summary>
    public static LoadedWeights Load(nn.Module network, string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"The ONNX model file '{fullPath}' does not exist.", fullPath);
        var (_, sha256) = FileDigest.Of(fullPath);
        var model = OnnxModelReader.Read(fullPath);
        var hasTop = network.named_modules().Any(m => m.name == "predictions");
        var classes = hasTop ? (int)network.named_parameters().First(p => p.name == "predictions.weight").parameter.shape[0] : 1000;
        var layers = ResNet50V2Network.KerasLayers(hasTop, classes);
        var targets = KerasWeightAssignment.TargetsOf(network, layers);
        var graph = new GraphValues(model.Graph, Path.GetDirectoryName(fullPath), fullPath);

        using var scope = torch.NewDisposeScope();
        var values = new Dictionary<string, Tensor[]>(StringComparer.Ordinal);
        var foldedBiases = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var layer in layers.Where(l => l.Kind == KerasLayerKind.Conv2D))
            values[layer.Name] = ReadConv(graph, layer, foldedBiases);
        foreach (var layer in layers.Where(l => l.Kind == KerasLayerKind.BatchNormalization))
            values[layer.Name] = ReadNorm(graph, layer, foldedBiases);
        foreach (var layer in layers.Where(l => l.Kind == KerasLayerKind.Dense))
            values[layer.Name] = ReadDense(graph, layer);

        foreach (var layer in layers)
            KerasWeightAssignment.Assign(targets, layer, values[layer.Name]);
        return new LoadedWeights(fullPath, WeightsFormat.Onnx, sha256, layers.Count, values.Values.SelectMany(v => v).Sum(t => t.numel()));
    }

    private static Tensor[] ReadConv(GraphValues graph, KerasLayer layer, Dictionary<string, Tensor> foldedBiases)
    {
        var node = graph.Single(layer, "Conv") ?? throw graph.Missing(layer, "Conv");
        var weight = graph.Input(node, 1, layer, layer.Weights[0]);
        var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
        var kerasBias = layer.Weights.Count > 1;
        if (kerasBias)
        {
            if (!hasBias)
                throw new WeightsFileException(graph.Path, layer.Name, $"'{graph.Path}': Conv node '{node.Name}' for layer '{layer.Name}' has no bias, where Keras' layer has one {layer.Weights[1].DescribeKerasShape()}.");
            return [weight, graph.Input(node, 2, layer, layer.Weights[1])];
        }
        if (hasBias)
            foldedBiases[layer.Name] = graph.Input(node, 2, layer, new KerasWeight("bias", [layer.Weights[0].TorchShape[0]], "bias", [layer.Weights[0].TorchShape[0]], false));
        return [weight];
    }

    private static Tensor[] ReadNorm(GraphValues graph, KerasLayer layer, Dictionary<string, Tensor> foldedBiases)
    {
        var node = graph.Single(layer, "BatchNormalization");
        if (node is not null)
            return [.. Enumerable.Range(0, 4).Select(i => graph.Input(node, i + 1, layer, layer.Weights[i]))];

        // "conv2_block1_1_bn" was folded into "conv2_block1_1_conv" when that convolution gained a bias.
        var convolution = layer.Name.EndsWith("_bn", StringComparison.Ordinal) ? layer.Name[..^3] + "_conv" : null;
        if (convolution is null || !foldedBiases.TryGetValue(convolution, out var bias))
            throw graph.Missing(layer, "BatchNormalization");
        var channels = layer.Weights[0].TorchShape[0];
        return
        [
            torch.ones(channels),
            bias,
            torch.zeros(channels),
            torch.full(channels, 1 - ResNet50V2Architecture.BatchNormEpsilon, ScalarType.Float32),
        ];
    }

    private static Tensor[] ReadDense(GraphValues graph, KerasLayer layer)
    {
        var (kernel, bias) = (layer.Weights[0], layer.Weights[1]);
        var gemm = graph.Single(layer, "Gemm");
        if (gemm is not null)
        {
            var transposed = gemm.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
            var weight = graph.Input(gemm, 1, layer, transposed ? kernel : kernel with { TorchShape = kernel.KerasShape });
            return [transposed ? weight : weight.t().contiguous(), graph.Input(gemm, 2, layer, bias)];
        }
        var matMul = graph.Single(layer, "MatMul") ?? throw graph.Missing(layer, "Gemm or MatMul");
        var add = graph.Single(layer, "Add") ?? throw graph.Missing(layer, "Add (the bias of its MatMul)");
        var addBias = add.Input.Select((name, i) => (name, i)).First(input => graph.IsConstant(input.name)).i;
        return [graph.Input(matMul, 1, layer, kernel with { TorchShape = kernel.KerasShape }).t().contiguous(), graph.Input(add, addBias, layer, bias)];
    }

    /// <summary>The graph's nodes by op type and its constant values by name.</summary>
    private sealed class GraphValues
    {
        private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
        private readonly List<NodeProto> _nodes;
        private readonly string? _directory;

        public GraphValues(GraphProto graph, string? directory, string path)
        {
            Path = path;
            _directory = directory;
            _nodes = [.. graph.Node];
            foreach (var initializer in graph.Initializer)
                _constants[initializer.Name] = initializer;
            foreach (var node in graph.Node.Where(n => n.OpType == "Constant" && n.Output.Count == 1))
            {
                if (node.Attribute.FirstOrDefault(a => a.Name == "value") is { T: { } value })
                    _constants[node.Output[0]] = value;
            }
        }

        public string Path { get; }

        public bool IsConstant(string name) => _constants.ContainsKey(name);

        /// <summary>The one node of <paramref name="opType"/> named after the layer; null when there is none.</summary>
        public NodeProto? Single(KerasLayer layer, string opType)
        {
            var matches = _nodes.Where(n => n.OpType == opType && n.Name.Split(NameSeparators).Contains(layer.Name, StringComparer.Ordinal)).ToList();
            return matches.Count switch
            {
                0 => null,
                1 => matches[0],
                _ => throw new WeightsFileException(Path, layer.Name,
                    $"'{Path}' has {matches.Count} {opType} nodes named after layer '{layer.Name}' ({string.Join(", ", matches.Take(3).Select(n => $"'{n.Name}'"))}); one was expected."),
            };
        }

        public WeightsFileException Missing(KerasLayer layer, string opType) => new(Path, layer.Name,
            $"'{Path}' has no {opType} node named after layer '{layer.Name}' (expected weights {string.Join(", ", layer.Weights.Select(w => $"{w.KerasName} [{string.Join(", ", w.TorchShape)}]"))}). "
            + "Node names must contain the Keras layer name as one part, as tf2onnx, keras2onnx and this library's exporter write them.");

        /// <summary>Input <paramref name="index"/> of <paramref name="node"/> as a float tensor of <paramref name="weight"/>'s TorchSharp shape.</summary>
        public Tensor Input(NodeProto node, int index, KerasLayer layer, KerasWeight weight)
        {
            if (node.Input.Count <= index || !_constants.TryGetValue(node.Input[index], out var proto))
                throw new WeightsFileException(Path, layer.Name,
                    $"'{Path}': input {index} of {node.OpType} node '{node.Name}' (layer '{layer.Name}', weight {weight.KerasName}) is not an initializer or constant.");
            var shape = proto.Dims.ToArray();
            if (!shape.SequenceEqual(weight.TorchShape))
                throw new WeightsFileException(Path, layer.Name,
                    $"'{Path}': layer '{layer.Name}' weight '{weight.KerasName}' ({node.OpType} node '{node.Name}', input '{node.Input[index]}') has shape [{string.Join(", ", shape)}], expected [{string.Join(", ", weight.TorchShape)}].");
            return OnnxTensorConversion.ToTorch(proto, _directory).to(ScalarType.Float32);
        }
    }
}
