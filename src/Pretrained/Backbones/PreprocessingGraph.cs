using Google.Protobuf;
using Onnx;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>
/// The ONNX nodes in front of a backbone: decoded square pixels [N, 3, S, S] (RGB, 0..255) scaled to the backbone's
/// input size, reordered and normalised. Written as graph nodes so that the exported model, feature extraction and
/// fine-tuning all run the very same arithmetic.
/// </summary>
internal static class PreprocessingGraph
{
    private const string Prefix = "mlnetdeep_prep_";

    /// <summary>
    /// Adds the nodes (at the front) and initializers to <paramref name="graph"/>, reading <paramref name="pixelsInput"/>
    /// and writing <paramref name="backboneInput"/>; returns the names of the initializers that must stay fixed.
    /// </summary>
    public static IReadOnlyList<string> Prepend(GraphProto graph, string pixelsInput, int decodedSize, string backboneInput, int width, int height, ImagePreprocessing preprocessing)
    {
        var nodes = new List<NodeProto>();
        var initializers = new List<TensorProto>();
        var current = pixelsInput;
        string Next(string what) => Prefix + what;

        if (width != decodedSize || height != decodedSize)
        {
            // A separable, antialiased linear resize as two matrix products: exact to write in any opset, cheap next to the backbone.
            initializers.Add(Floats(Next("resize_columns"), [decodedSize, width], ResizeMatrix(decodedSize, width, transpose: true)));
            initializers.Add(Floats(Next("resize_rows"), [height, decodedSize], ResizeMatrix(decodedSize, height, transpose: false)));
            nodes.Add(Node("MatMul", [current, Next("resize_columns")], Next("columns_scaled")));
            nodes.Add(Node("MatMul", [Next("resize_rows"), Next("columns_scaled")], Next("scaled")));
            current = Next("scaled");
        }
        if (preprocessing.ChannelOrder == ChannelOrder.Bgr)
        {
            initializers.Add(new TensorProto { Name = Next("bgr"), DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 3 }, Int64Data = { 2, 1, 0 } });
            var gather = Node("Gather", [current, Next("bgr")], Next("reordered"));
            gather.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            nodes.Add(gather);
            current = Next("reordered");
        }
        if (preprocessing.MeanImage is { } meanImage)
        {
            if (meanImage.Length != 3 * width * height)
                throw new InvalidDataException($"The mean image holds {meanImage.Length} values; expected 3 x {height} x {width}.");
            initializers.Add(Floats(Next("mean_image"), [1, 3, height, width], meanImage));
            nodes.Add(Node("Sub", [current, Next("mean_image")], backboneInput));
        }
        else
        {
            // (p × scale − mean) / std = p × (scale / std) − mean / std, one multiply and one add per value.
            var gain = Enumerable.Range(0, 3).Select(c => preprocessing.Scale / preprocessing.StandardDeviation[c]).ToArray();
            var offset = Enumerable.Range(0, 3).Select(c => -preprocessing.Mean[c] / preprocessing.StandardDeviation[c]).ToArray();
            initializers.Add(Floats(Next("gain"), [1, 3, 1, 1], gain));
            initializers.Add(Floats(Next("offset"), [1, 3, 1, 1], offset));
            nodes.Add(Node("Mul", [current, Next("gain")], Next("gained")));
            nodes.Add(Node("Add", [Next("gained"), Next("offset")], backboneInput));
        }

        for (var i = nodes.Count - 1; i >= 0; i--)
            graph.Node.Insert(0, nodes[i]);
        graph.Initializer.AddRange(initializers);
        return initializers.Select(t => t.Name).ToArray();
    }

    /// <summary>
    /// Weights of linear interpolation from <paramref name="from"/> samples to <paramref name="to"/>, with the triangle
    /// widened by the shrink factor when shrinking (antialiasing, as PIL's bilinear does); each output's weights sum to 1.
    /// Row-major [to, from], or [from, to] when <paramref name="transpose"/>.
    /// </summary>
    internal static float[] ResizeMatrix(int from, int to, bool transpose)
    {
        var ratio = (double)from / to;
        var support = Math.Max(ratio, 1.0);
        var matrix = new float[from * to];
        for (var o = 0; o < to; o++)
        {
            var centre = (o + 0.5) * ratio - 0.5;
            var weights = new double[from];
            var total = 0.0;
            for (var i = 0; i < from; i++)
            {
                var w = Math.Max(0, 1 - Math.Abs(i - centre) / support);
                weights[i] = w;
                total += w;
            }
            if (total == 0)
            {
                weights[Math.Clamp((int)Math.Round(centre), 0, from - 1)] = 1;
                total = 1;
            }
            for (var i = 0; i < from; i++)
                matrix[transpose ? i * to + o : o * from + i] = (float)(weights[i] / total);
        }
        return matrix;
    }

    private static NodeProto Node(string op, string[] inputs, string output) =>
        new() { OpType = op, Name = Prefix + output.Replace(Prefix, ""), Input = { inputs }, Output = { output } };

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return tensor;
    }
}
