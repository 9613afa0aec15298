using Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static MLNetDeep.Tests.Support.GraphBuilder;
using static TorchSharp.torch;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Pretrained.Tests.Onnx.Import;

/// <summary>
/// Small graphs for each supported operator, in the old (opset 7–10) and new (opset 11–18) forms that CNTK,
/// tf2onnx and torch.onnx write, each run by the importer and by ONNX Runtime (the reference implementation).
/// </summary>
public sealed class OperatorConformanceTests(ITestOutputHelper output)
{
    private static readonly long[] Image = [2, 4, 9, 9];

    public static TheoryData<string> Cases => new(CaseTable.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Importer_matches_OnnxRuntime(string name)
    {
        var (model, shape) = CaseTable[name]();
        var random = new Random(name.GetHashCode(StringComparison.Ordinal));
        var input = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var (expected, expectedShape) = OrtRunner.RunWithShape(OrtRunner.Session(model, threads: 1), input, shape);

        using var module = OnnxImporter.Load(model);
        module.eval();
        using var x = TorchValues.FromArray(input, shape);
        using var y = module.forward(x);
        Assert.Equal(expectedShape, y.shape);
        var diff = OrtRunner.MaxAbsDiff(expected, TorchValues.ToArray(y));
        output.WriteLine($"{name}: shape [{string.Join(",", y.shape)}], max abs diff {diff:E2}");
        Assert.True(diff <= 1e-5f, $"{name}: max abs diff {diff}");

        // Training mode runs too (batch statistics, dropout) and gives the same shape.
        module.train();
        using var trained = module.forward(x);
        Assert.Equal(expectedShape, trained.shape);
    }

    private static readonly Dictionary<string, Func<(ModelProto, long[])>> CaseTable = new()
    {
        // CNTK (opset 8): unequal pads, BatchNormalization with 'spatial', MaxPool with storage_order.
        ["Conv_unequal_pads_opset8"] = () => (Conv(8, Ints("pads", 2, 2, 1, 1), Ints("strides", 2, 2), Ints("kernel_shape", 5, 5)), Image),
        ["Conv_same_upper_bias_opset11"] = () => (Conv(11, String("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2), Ints("kernel_shape", 5, 5)), Image),
        ["Conv_same_lower_opset11"] = () => (Conv(11, String("auto_pad", "SAME_LOWER"), Ints("strides", 2, 2)), Image),
        ["Conv_groups_dilations_valid_opset13"] = () => (Conv(13, String("auto_pad", "VALID"), Int("group", 2), Ints("dilations", 2, 2)), Image),
        ["BatchNormalization_spatial_opset8"] = () => (BatchNorm(8, Int("spatial", 1), Float("momentum", 0.99f)), Image),
        ["BatchNormalization_per_activation_spatial0_opset8"] = () => (PerActivationBatchNorm(), Image),
        ["BatchNormalization_opset15"] = () => (BatchNorm(15, Float("epsilon", 1e-3f)), Image),
        ["MaxPool_unequal_pads_opset8"] = () => (Single("MaxPool", 8, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 0, 0), Int("storage_order", 0)), Image),
        ["MaxPool_same_upper_opset11"] = () => (Single("MaxPool", 11, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER")), Image),
        ["MaxPool_ceil_dilations_opset12"] = () => (Single("MaxPool", 12, Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1), Ints("dilations", 1, 1)), Image),
        ["AveragePool_exclude_unequal_pads_opset8"] = () => (Single("AveragePool", 8, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 0, 0)), Image),
        ["AveragePool_include_pad_opset11"] = () => (Single("AveragePool", 11, Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", 1)), Image),
        ["AveragePool_exclude_pad_symmetric_opset11"] = () => (Single("AveragePool", 11, Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)), Image),
        ["GlobalAveragePool"] = () => (Single("GlobalAveragePool", 13), Image),
        ["GlobalMaxPool"] = () => (Single("GlobalMaxPool", 13), Image),
        ["Relu"] = () => (Single("Relu", 13), Image),
        ["LeakyRelu"] = () => (Single("LeakyRelu", 8, Float("alpha", 0.2f)), Image),
        ["Sigmoid"] = () => (Single("Sigmoid", 13), Image),
        ["Tanh"] = () => (Single("Tanh", 13), Image),
        ["Identity"] = () => (Single("Identity", 13), Image),
        ["Dropout_opset8"] = () => (Single("Dropout", 8, Float("ratio", 0.3f)), Image),
        ["Dropout_ratio_input_opset13"] = () => (new GraphBuilder().Input("x", Image).Initializer("ratio", [0.3f]).Node("Dropout", ["x", "ratio"], ["y"]).Output("y", Image).Build(13), Image),
        ["Arithmetic_broadcasting_opset8"] = () => (Arithmetic(8), Image),
        ["Arithmetic_broadcasting_opset14"] = () => (Arithmetic(14), Image),
        ["Softmax_coerced_2D_opset8"] = () => (Single("Softmax", 8, Int("axis", 1)), Image),
        ["Softmax_axis_opset13"] = () => (Single("Softmax", 13, Int("axis", 1)), Image),
        ["Flatten_Gemm_transB_opset8"] = () => (FlattenGemm(8, Int("transB", 1)), Image),
        ["Flatten_Gemm_alpha_beta_opset13"] = () => (FlattenGemm(13, Float("alpha", 0.5f), Float("beta", 2f)), Image),
        ["MatMul_Add_bias_opset13"] = () => (MatMulAdd(), [3, 5]),
        ["Reshape_shape_input_opset13"] = () => (new GraphBuilder().Input("x", Image).Initializer("shape", [0L, -1, 9]).Node("Reshape", ["x", "shape"], ["y"]).Output("y", 2, 36, 9).Build(13), Image),
        ["Pad_attributes_constant_opset8"] = () => (Single("Pad", 8, Ints("pads", 0, 0, 1, 2, 0, 0, 2, 1), Float("value", 1.5f)), Image),
        ["Pad_attributes_reflect_opset8"] = () => (Single("Pad", 8, Ints("pads", 0, 0, 1, 2, 0, 0, 2, 1), String("mode", "reflect")), Image),
        ["Pad_inputs_constant_opset11"] = () => (PadInputs(11, "constant"), Image),
        ["Pad_inputs_edge_opset13"] = () => (PadInputs(13, "edge"), Image),
        ["Pad_inputs_axes_opset18"] = () => (PadAxes(), Image),
        ["Split_attribute_Concat_opset8"] = () => (SplitConcat(8, splitAsInput: false), Image),
        ["Split_input_Concat_opset13"] = () => (SplitConcat(13, splitAsInput: true), Image),
        ["Split_equal_parts_opset13"] = () => (new GraphBuilder().Input("x", Image).Node("Split", ["x"], ["a", "b"], Int("axis", 1)).Node("Sub", ["a", "b"], ["y"]).Output("y", 2, 2, 9, 9).Build(13), Image),
        ["Transpose_ReduceMean_opset13"] = () => (new GraphBuilder().Input("x", Image).Node("Transpose", ["x"], ["t"], Ints("perm", 0, 2, 3, 1)).Node("ReduceMean", ["t"], ["y"], Ints("axes", 1, 2), Int("keepdims", 0)).Output("y", 2, 4).Build(13), Image),
        ["ReduceMean_axes_input_opset18"] = () => (new GraphBuilder().Input("x", Image).Initializer("axes", [2L, 3]).Node("ReduceMean", ["x", "axes"], ["y"]).Output("y", 2, 4, 1, 1).Build(18), Image),
        ["Squeeze_Unsqueeze_attributes_opset11"] = () => (new GraphBuilder().Input("x", Image).Node("GlobalAveragePool", ["x"], ["g"]).Node("Squeeze", ["g"], ["s"], Ints("axes", 2, 3)).Node("Unsqueeze", ["s"], ["y"], Ints("axes", 0)).Output("y", 1, 2, 4).Build(11), Image),
        ["Squeeze_Unsqueeze_inputs_opset13"] = () => (new GraphBuilder().Input("x", Image).Initializer("axes", [2L, 3]).Initializer("front", [0L]).Node("GlobalAveragePool", ["x"], ["g"]).Node("Squeeze", ["g", "axes"], ["s"]).Node("Unsqueeze", ["s", "front"], ["y"]).Output("y", 1, 2, 4).Build(13), Image),
        ["Torch_view_batch_minus_one_opset11"] = () => (TorchDynamicFlatten(), Image),
        ["Constant_node_opset13"] = () => (ConstantMul(), Image),
        ["Keras_ResNetV2_like_tf2onnx_opset13"] = () => (KerasLike(), [2, 12, 12, 3]),
        ["Torchvision_ResNet_like_opset17"] = () => (TorchvisionLike(), [2, 3, 16, 16]),
    };

    private static ModelProto Single(string op, long opset, params AttributeProto[] attributes)
    {
        var graph = new GraphBuilder().Input("x", Image).Node(op, ["x"], ["y"], attributes);
        // Outputs are declared without a shape: ORT infers them, and the test compares against what it produces.
        return graph.Output("y").Build(opset);
    }

    private static ModelProto Conv(long opset, params AttributeProto[] attributes)
    {
        var random = new Random(1);
        var grouped = attributes.Any(a => a.Name == "group");
        var kernel = attributes.FirstOrDefault(a => a.Name == "kernel_shape")?.Ints.ToArray() ?? [3, 3];
        return new GraphBuilder().Input("x", Image)
            .RandomInitializer("w", random, 6, grouped ? 2 : 4, kernel[0], kernel[1])
            .RandomInitializer("b", random, 6)
            .Node("Conv", ["x", "w", "b"], ["y"], attributes)
            .Output("y").Build(opset);
    }

    private static ModelProto BatchNorm(long opset, params AttributeProto[] attributes) => new GraphBuilder().Input("x", Image)
        .Initializer("scale", [1.5f, 0.5f, 2f, 1f], 4).Initializer("bias", [0.1f, -0.2f, 0.3f, 0f], 4)
        .Initializer("mean", [0.2f, -0.1f, 0f, 0.5f], 4).Initializer("var", [1f, 0.25f, 4f, 0.5f], 4)
        .Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], attributes)
        .Output("y").Build(opset);

    private static ModelProto PerActivationBatchNorm()
    {
        var random = new Random(6);
        var count = 4 * 9 * 9;
        float[] Positive() => Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() + 0.5f).ToArray();
        return new GraphBuilder().Input("x", Image)
            .Initializer("scale", Positive(), 4, 9, 9).RandomInitializer("bias", random, 4, 9, 9)
            .RandomInitializer("mean", random, 4, 9, 9).Initializer("var", Positive(), 4, 9, 9)
            .Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], Int("spatial", 0))
            .Output("y").Build(8);
    }

    private static ModelProto Arithmetic(long opset) => new GraphBuilder().Input("x", Image)
        .Initializer("c", [1f, 2f, 3f, 4f], 4, 1, 1).Initializer("row", Enumerable.Range(1, 9).Select(i => i / 3f).ToArray(), 9)
        .Node("Add", ["x", "c"], ["a"]).Node("Mul", ["a", "row"], ["m"]).Node("Sub", ["m", "x"], ["s"]).Node("Div", ["s", "c"], ["y"])
        .Output("y").Build(opset);

    private static ModelProto FlattenGemm(long opset, params AttributeProto[] attributes)
    {
        var random = new Random(2);
        var transB = attributes.Any(a => a.Name == "transB");
        return new GraphBuilder().Input("x", Image)
            .RandomInitializer("w", random, transB ? [5, 324] : [324, 5])
            .RandomInitializer("c", random, 5)
            .Node("Flatten", ["x"], ["f"], Int("axis", 1))
            .Node("Gemm", ["f", "w", "c"], ["y"], attributes)
            .Output("y").Build(opset);
    }

    private static ModelProto MatMulAdd()
    {
        var random = new Random(3);
        return new GraphBuilder().Input("x", 3, 5).RandomInitializer("w", random, 5, 4).RandomInitializer("b", random, 4)
            .Node("MatMul", ["x", "w"], ["m"]).Node("Add", ["m", "b"], ["y"]).Output("y").Build(13);
    }

    private static ModelProto PadInputs(long opset, string mode) => new GraphBuilder().Input("x", Image)
        .Initializer("pads", [0L, 0, 1, 2, 0, 0, 2, 1]).Initializer("value", [0.75f])
        .Node("Pad", mode == "constant" ? ["x", "pads", "value"] : ["x", "pads"], ["y"], String("mode", mode))
        .Output("y").Build(opset);

    private static ModelProto PadAxes() => new GraphBuilder().Input("x", Image)
        .Initializer("pads", [1L, 0, 2, 3]).Initializer("axes", [-1L, 2])
        .Node("Pad", ["x", "pads", "", "axes"], ["y"])
        .Output("y").Build(18);

    private static ModelProto SplitConcat(long opset, bool splitAsInput)
    {
        var graph = new GraphBuilder().Input("x", Image);
        if (splitAsInput)
            graph.Initializer("split", [1L, 3]).Node("Split", ["x", "split"], ["a", "b"], Int("axis", 1));
        else
            graph.Node("Split", ["x"], ["a", "b"], Int("axis", 1), Ints("split", 1, 3));
        return graph.Node("Concat", ["b", "a"], ["y"], Int("axis", -3)).Output("y").Build(opset);
    }

    /// <summary>What older torch.onnx writes for <c>x.view(x.size(0), -1)</c>: Shape, Gather, Unsqueeze, Concat, Reshape.</summary>
    private static ModelProto TorchDynamicFlatten()
    {
        var graph = new GraphBuilder().Input("x", Image).Initializer("zero", [0L]).Initializer("minus_one", [-1L]);
        graph.Node("Shape", ["x"], ["shape"]);
        graph.Node("Gather", ["shape", "zero"], ["batch"], Int("axis", 0));
        graph.Node("Concat", ["batch", "minus_one"], ["target"], Int("axis", 0));
        graph.Node("Reshape", ["x", "target"], ["y"]);
        return graph.Output("y").Build(11);
    }

    private static ModelProto ConstantMul()
    {
        var value = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        value.FloatData.Add(2.5f);
        var graph = new GraphBuilder().Input("x", Image);
        graph.Node("Constant", [], ["k"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });
        graph.Node("Constant", [], ["k2"], Float("value_float", -1f));
        return graph.Node("Mul", ["x", "k"], ["m"]).Node("Add", ["m", "k2"], ["y"]).Output("y").Build(13);
    }

    /// <summary>
    /// The shape of tf2onnx's Keras ResNet50V2 graphs: NHWC input transposed to NCHW, ZeroPadding2D as a Pad with
    /// pads input, Conv with bias, pre-activation BatchNormalization, MaxPool, residual Add, ReduceMean pooling,
    /// Squeeze with axes input, Dense as MatMul + Add, Softmax.
    /// </summary>
    private static ModelProto KerasLike()
    {
        var random = new Random(4);
        var g = new GraphBuilder().Input("input_1", 2, 12, 12, 3)
            .Initializer("pads", [0L, 0, 1, 1, 0, 0, 1, 1])
            .RandomInitializer("conv1/kernel", random, 8, 3, 3, 3).RandomInitializer("conv1/bias", random, 8)
            .Initializer("bn/gamma", Enumerable.Repeat(1.1f, 8).ToArray(), 8).Initializer("bn/beta", Enumerable.Repeat(0.1f, 8).ToArray(), 8)
            .Initializer("bn/mean", Enumerable.Repeat(0.05f, 8).ToArray(), 8).Initializer("bn/var", Enumerable.Repeat(0.9f, 8).ToArray(), 8)
            .RandomInitializer("conv2/kernel", random, 8, 8, 3, 3)
            .Initializer("axes", [2L, 3])
            .RandomInitializer("dense/kernel", random, 8, 5).RandomInitializer("dense/bias", random, 5);
        g.Node("Transpose", ["input_1"], ["nchw"], Ints("perm", 0, 3, 1, 2));
        g.Node("Pad", ["nchw", "pads"], ["padded"], String("mode", "constant"));
        g.Node("Conv", ["padded", "conv1/kernel", "conv1/bias"], ["c1"], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1));
        g.Node("MaxPool", ["c1"], ["p1"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"));
        g.Node("BatchNormalization", ["p1", "bn/gamma", "bn/beta", "bn/mean", "bn/var"], ["bn1"], Float("epsilon", 1.001e-5f));
        g.Node("Relu", ["bn1"], ["r1"]);
        g.Node("Conv", ["r1", "conv2/kernel"], ["c2"], Ints("kernel_shape", 3, 3), String("auto_pad", "SAME_UPPER"));
        g.Node("Add", ["c2", "p1"], ["res"]);
        g.Node("ReduceMean", ["res"], ["pooled"], Ints("axes", 2, 3), Int("keepdims", 1));
        g.Node("Squeeze", ["pooled", "axes"], ["flat"]);
        g.Node("MatMul", ["flat", "dense/kernel"], ["logits_nobias"]);
        g.Node("Add", ["logits_nobias", "dense/bias"], ["logits"]);
        g.Node("Softmax", ["logits"], ["predictions"], Int("axis", -1));
        return g.Output("predictions").Build(13);
    }

    /// <summary>The shape of torch.onnx's torchvision ResNet export (BatchNorm folded into Conv bias): stem, one basic block, pooling, Flatten, Gemm.</summary>
    private static ModelProto TorchvisionLike()
    {
        var random = new Random(5);
        var g = new GraphBuilder().Input("input", 2, 3, 16, 16)
            .RandomInitializer("onnx::Conv_1", random, 8, 3, 7, 7).RandomInitializer("onnx::Conv_2", random, 8)
            .RandomInitializer("onnx::Conv_3", random, 8, 8, 3, 3).RandomInitializer("onnx::Conv_4", random, 8)
            .RandomInitializer("onnx::Conv_5", random, 8, 8, 3, 3).RandomInitializer("onnx::Conv_6", random, 8)
            .RandomInitializer("fc.weight", random, 10, 8).RandomInitializer("fc.bias", random, 10);
        g.Node("Conv", ["input", "onnx::Conv_1", "onnx::Conv_2"], ["/conv1/Conv_output_0"], Ints("kernel_shape", 7, 7), Ints("strides", 2, 2), Ints("pads", 3, 3, 3, 3), Ints("dilations", 1, 1), Int("group", 1));
        g.Node("Relu", ["/conv1/Conv_output_0"], ["/relu/Relu_output_0"]);
        g.Node("MaxPool", ["/relu/Relu_output_0"], ["/maxpool/MaxPool_output_0"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("ceil_mode", 0));
        g.Node("Conv", ["/maxpool/MaxPool_output_0", "onnx::Conv_3", "onnx::Conv_4"], ["/layer1/conv1"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
        g.Node("Relu", ["/layer1/conv1"], ["/layer1/relu"]);
        g.Node("Conv", ["/layer1/relu", "onnx::Conv_5", "onnx::Conv_6"], ["/layer1/conv2"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
        g.Node("Add", ["/layer1/conv2", "/maxpool/MaxPool_output_0"], ["/layer1/add"]);
        g.Node("Relu", ["/layer1/add"], ["/layer1/out"]);
        g.Node("GlobalAveragePool", ["/layer1/out"], ["/avgpool"]);
        g.Node("Flatten", ["/avgpool"], ["/flatten"], Int("axis", 1));
        g.Node("Gemm", ["/flatten", "fc.weight", "fc.bias"], ["output"], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1));
        return g.Output("output").Build(17);
    }
}
