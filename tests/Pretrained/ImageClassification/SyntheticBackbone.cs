using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Onnx;
using Onnx;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>
/// A tiny residual CNN as an ONNX file, standing in for ResNet18 so that most tests train in a second: input
/// <c>image</c> [1, 3, 32, 32]; a stride-2 stem (Conv, BN, Relu), two residual blocks (Conv, BN, Relu, Conv, BN, Add,
/// Relu) and a global average pool to <c>features</c> [1, 8, 1, 1].
/// </summary>
internal static class SyntheticBackbone
{
    public const string Input = "image";
    public const string Features = "features";
    public const int Size = 32;
    public const int Channels = 8;

    /// <summary>Writes the model to <paramref name="path"/> (opset 13, or 8 to exercise the upgrade) and returns it.</summary>
    public static ModelProto Write(string path, long opset = 13, int seed = 1)
    {
        var model = Build(opset, seed);
        OnnxModelReader.Write(model, path);
        return model;
    }

    public static ImageBackbone Backbone(string path, string? sha256 = null, string featureTensor = Features) =>
        ImageBackbone.FromOnnx(path, featureTensor, Size, Size,
            ImagePreprocessing.MeanStd([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], scale: 1f / 255), sha256);

    public static ModelProto Build(long opset, int seed)
    {
        var random = new Random(seed);
        var b = new GraphBuilder().Input(Input, 1, 3, Size, Size).Output(Features, 1, Channels, 1, 1);
        Conv(b, random, "stem", Input, 3, "stem_conv", stride: 2);
        Bn(b, random, "stem", "stem_conv", "stem_bn", opset);
        b.Node("Relu", ["stem_bn"], ["stem_out"]);
        var current = "stem_out";
        for (var block = 1; block <= 2; block++)
        {
            var p = $"block{block}";
            Conv(b, random, $"{p}a", current, Channels, $"{p}_conv_a", stride: 1);
            Bn(b, random, $"{p}a", $"{p}_conv_a", $"{p}_bn_a", opset);
            b.Node("Relu", [$"{p}_bn_a"], [$"{p}_relu_a"]);
            Conv(b, random, $"{p}b", $"{p}_relu_a", Channels, $"{p}_conv_b", stride: 1);
            Bn(b, random, $"{p}b", $"{p}_conv_b", $"{p}_bn_b", opset);
            b.Node("Add", [$"{p}_bn_b", current], [$"{p}_sum"]);
            b.Node("Relu", [$"{p}_sum"], [$"{p}_out"]);
            current = $"{p}_out";
        }
        b.Node("GlobalAveragePool", [current], [Features]);
        return b.Build(opset);
    }

    private static void Conv(GraphBuilder b, Random random, string name, string input, int inChannels, string output, int stride)
    {
        b.RandomInitializer($"{name}_w", random, Channels, inChannels, 3, 3);
        b.Node("Conv", [input, $"{name}_w"], [output],
            GraphBuilder.Ints("kernel_shape", 3, 3), GraphBuilder.Ints("pads", 1, 1, 1, 1), GraphBuilder.Ints("strides", stride, stride));
    }

    private static void Bn(GraphBuilder b, Random random, string name, string input, string output, long opset)
    {
        float[] Values(Func<float> make) => Enumerable.Range(0, Channels).Select(_ => make()).ToArray();
        b.Initializer($"{name}_scale", Values(() => 0.8f + 0.4f * (float)random.NextDouble()), Channels);
        b.Initializer($"{name}_bias", Values(() => 0.2f * (float)random.NextDouble() - 0.1f), Channels);
        b.Initializer($"{name}_mean", Values(() => 0.2f * (float)random.NextDouble() - 0.1f), Channels);
        b.Initializer($"{name}_var", Values(() => 0.5f + (float)random.NextDouble()), Channels);
        var attributes = opset < 9
            ? new[] { GraphBuilder.Float("epsilon", 1e-5f), GraphBuilder.Int("spatial", 1) }
            : [GraphBuilder.Float("epsilon", 1e-5f)];
        b.Node("BatchNormalization", [input, $"{name}_scale", $"{name}_bias", $"{name}_mean", $"{name}_var"], [output], attributes);
    }
}
