using MLNetDeep.Transforms.Imaging;
using MLNetDeep.Transforms.Onnx;
using MLNetDeep.Trainers.Onnx.Export;
using MLNetDeep.Transforms.Onnx.Surgery;
using Onnx;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>
/// A backbone made ready for transfer learning: one ONNX graph (opset 13 or later, any batch size) from the decoded pixel
/// column <see cref="ImageDecoding.PixelsColumn"/> [N, 3, S, S] through preprocessing and the backbone to flat features
/// <see cref="FeaturesOutput"/> [N, F]. Feature extraction runs it in ONNX Runtime, fine-tuning imports it, and the
/// exported model is it with the head spliced on.
/// </summary>
internal sealed class BackboneGraph
{
    /// <summary>The graph's output: the backbone's features, flattened to [N, F].</summary>
    public const string FeaturesOutput = "MLNetDeepImageFeatures";

    private BackboneGraph(ModelProto model, int decodedSize, string weightsKey, IReadOnlyList<string> preprocessingInitializers, string backboneInput)
    {
        Model = model;
        DecodedSize = decodedSize;
        WeightsKey = weightsKey;
        PreprocessingInitializers = preprocessingInitializers;
        BackboneInput = backboneInput;
    }

    public ModelProto Model { get; }

    /// <summary>The square size images are decoded to (one of <see cref="ImageDecoding.CanonicalSizes"/>).</summary>
    public int DecodedSize { get; }

    /// <summary>Floats per decoded image: 3 × S × S.</summary>
    public int PixelCount => 3 * DecodedSize * DecodedSize;

    /// <summary>Changes whenever the weights, the preprocessing or the decoding do: the feature cache's backbone key.</summary>
    public string WeightsKey { get; }

    /// <summary>Initializers of the preprocessing nodes, which are never trained.</summary>
    public IReadOnlyList<string> PreprocessingInitializers { get; }

    /// <summary>The tensor between preprocessing and the backbone.</summary>
    public string BackboneInput { get; }

    /// <summary>The default opset of the graph (13 or later), which the head is exported with.</summary>
    public int Opset => (int)Model.OpsetImport.First(o => o.Domain is "" or "ai.onnx").Version;

    /// <summary>Loads, checks and assembles the graph of <paramref name="backbone"/>.</summary>
    /// <exception cref="InvalidDataException">The weights file is missing, damaged or has another checksum.</exception>
    /// <exception cref="ArgumentException">The graph's input or feature tensor does not match what the backbone says.</exception>
    public static BackboneGraph Build(ImageBackbone backbone)
    {
        var source = backbone.Source;
        var (model, weightsKey) = source.Load();
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToArray();
        var input = source.InputTensorName is { } named
            ? inputs.FirstOrDefault(i => i.Name == named) ?? throw new ArgumentException(
                $"The backbone '{source.Name}' has no input '{named}' (inputs: {string.Join(", ", inputs.Select(i => i.Name))}).")
            : inputs.Length == 1 ? inputs[0] : throw new ArgumentException(
                $"The backbone '{source.Name}' has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); name the image input with inputTensorName.");
        CheckInputShape(source, input);

        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        if (!produced.Contains(source.FeatureTensorName))
        {
            var outputs = string.Join(", ", graph.Output.Select(o => o.Name));
            var lastTensors = string.Join(", ", graph.Node.TakeLast(5).SelectMany(n => n.Output));
            throw new ArgumentException(
                $"The backbone '{source.Name}' has no tensor named '{source.FeatureTensorName}' (the feature tensor). " +
                $"Its outputs are: {outputs}; the last nodes produce: {lastTensors}.");
        }
        var cut = OnnxGraphCut.CutAt(model, source.FeatureTensorName);
        OnnxOpsetUpgrade.Upgrade(cut, source.Name);
        var opset = cut.OpsetImport.First(o => o.Domain is "" or "ai.onnx").Version;
        if (opset > OnnxExportOptions.MaximumOpset)
            throw new ArgumentException($"The backbone '{source.Name}' is ONNX opset {opset}; the head can be written up to opset {OnnxExportOptions.MaximumOpset}. Export the backbone with an opset from 13 to 21.");
        var dynamic = OnnxBatchDimension.MakeDynamic(cut);

        var decodedSize = ImageDecoding.CanonicalSizeFor(source.InputWidth, source.InputHeight);
        var g = dynamic.Graph;
        var backboneInput = g.Input.Single(i => i.Name == input.Name);
        g.Input.Remove(backboneInput);
        g.Input.Insert(0, TensorInfo(ImageDecoding.PixelsColumn, ["N", 3, decodedSize, decodedSize]));
        var fixedInitializers = PreprocessingGraph.Prepend(g, ImageDecoding.PixelsColumn, decodedSize, input.Name, source.InputWidth, source.InputHeight, source.Preprocessing);

        var flatten = new NodeProto { OpType = "Flatten", Name = "mlnetdeep_features_flatten", Input = { source.FeatureTensorName }, Output = { FeaturesOutput } };
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Node.Add(flatten);
        var featureInfo = g.Output.Single();
        g.Output.Clear();
        g.ValueInfo.Add(featureInfo);
        g.Output.Add(TensorInfo(FeaturesOutput, ["N", null]));

        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{weightsKey}|{source.FeatureTensorName}|{source.InputWidth}x{source.InputHeight}|{source.Preprocessing}|" +
            $"{(source.Preprocessing.MeanImage is { } m ? HashFloats(m) : "")}|decoded {decodedSize}|decoder {ImageDecoding.DecoderVersion}")));
        return new BackboneGraph(dynamic, decodedSize, key, fixedInitializers, input.Name);
    }

    private static void CheckInputShape(BackboneSource source, ValueInfoProto input)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (input.Type?.TensorType is { ElemType: not (int)TensorProto.Types.DataType.Float })
            throw new ArgumentException($"The backbone '{source.Name}' input '{input.Name}' holds {(TensorProto.Types.DataType)input.Type.TensorType.ElemType}; a float image tensor [N, 3, height, width] was expected.");
        if (dims is null)
            return;
        long? Fixed(int i) => dims[i].DimValue > 0 ? dims[i].DimValue : null;
        if (dims.Count != 4 || Fixed(1) is { } c && c != 3
            || Fixed(2) is { } h && h != source.InputHeight || Fixed(3) is { } w && w != source.InputWidth)
        {
            var shape = string.Join(",", dims.Select(d => d.DimValue > 0 ? d.DimValue.ToString() : d.DimParam is { Length: > 0 } p ? p : "?"));
            throw new ArgumentException(
                $"The backbone '{source.Name}' input '{input.Name}' has shape [{shape}]; [N, 3, {source.InputHeight}, {source.InputWidth}] was expected from the input size given.");
        }
    }

    private static string HashFloats(float[] values) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));

    private static ValueInfoProto TensorInfo(string name, object?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                _ => new TensorShapeProto.Types.Dimension(),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
