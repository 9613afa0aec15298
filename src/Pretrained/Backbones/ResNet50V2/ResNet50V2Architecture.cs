using TorchSharp;
using TorchSharp.Modules;
using MLNetDeep.Trainers.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// Builds the network and its Keras layer list in one walk, as <c>keras/src/applications/resnet.py</c> builds ResNet50V2
/// (<c>ResNet(..., preact=True, use_bias=True)</c>, <c>stack_residual_blocks_v2</c>, <c>residual_block_v2</c>), so that
/// the module and the name mapping cannot disagree.
/// </summary>
/// <remarks>
/// The module is made only of layers the ONNX exporter knows (Sequential, <see cref="ResidualBlock"/>, Conv2d, BatchNorm2d,
/// ReLU, ZeroPad2d, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear, Softmax). A block is a Sequential named after it:
/// <list type="bullet">
/// <item>the first block of a stage (a 1x1 <c>_0_conv</c> shortcut) runs <c>_preact_bn</c>, <c>_preact_relu</c>, then a
/// residual block <c>_out</c> whose branches both read the pre-activation;</item>
/// <item>the others are a single residual block <c>_out</c> whose main branch starts with the pre-activation and whose
/// shortcut is the block input itself, or Keras' unnamed 1x1 stride-2 max pool on it in the strided last block.</item>
/// </list>
/// The order of the layers is Keras' <c>model.layers</c> order (by depth from the input; within a block the shortcut's
/// <c>_0_conv</c> comes after <c>_2_bn</c> and before <c>_3_conv</c>), the order in which Keras writes <c>layer_names</c>.
/// </remarks>
internal sealed class ResNet50V2Architecture
{
    /// <summary>Keras' batch-norm epsilon for the ResNet family.</summary>
    public const double BatchNormEpsilon = 1.001e-5;

    // Keras' momentum 0.99 is the weight of the old moving average; torch's momentum is the weight of the new batch.
    private const double TorchBatchNormMomentum = 0.01;

    /// <summary>(stage name, bottleneck filters, blocks, stride of the last block), from <c>ResNet50V2.stack_fn</c>.</summary>
    private static readonly (string Name, long Filters, int Blocks, long LastStride)[] Stages =
    [
        ("conv2", 64, 3, 2),
        ("conv3", 128, 4, 2),
        ("conv4", 256, 6, 2),
        ("conv5", 512, 3, 1),
    ];

    private readonly List<KerasLayer> _layers = [];
    private readonly List<string> _blocks = [];

    private ResNet50V2Architecture()
    {
    }

    /// <summary>The weighted layers in Keras' order.</summary>
    public IReadOnlyList<KerasLayer> Layers => _layers;

    /// <summary>The blocks in order from the input.</summary>
    public IReadOnlyList<string> Blocks => _blocks;

    /// <summary>The network, its modules named after the Keras layers.</summary>
    public Sequential Network { get; private set; } = null!;

    /// <summary>The layer list and block names, without building tensors.</summary>
    public static ResNet50V2Architecture Describe(int? classes) => Build(classes, withModules: false);

    /// <summary>Builds the network (default torch initialization) and its layer list.</summary>
    /// <param name="classes">The width of Keras' <c>predictions</c> layer (with its softmax); null for none (<c>include_top=False, pooling="avg"</c>).</param>
    public static ResNet50V2Architecture Create(int? classes) => Build(classes, withModules: true);

    private static ResNet50V2Architecture Build(int? classes, bool withModules)
    {
        var architecture = new ResNet50V2Architecture();
        var top = new ModuleList(withModules);
        architecture._blocks.Add("conv1");
        top.Add("conv1_pad", () => ZeroPad2d(3));
        top.Add("conv1_conv", () => Conv2d(3, 64, 7, stride: 2, bias: true));
        architecture.Conv("conv1_conv", "conv1_conv", "conv1", 3, 64, 7, bias: true);
        top.Add("pool1_pad", () => ZeroPad2d(1));
        top.Add("pool1_pool", () => MaxPool2d(3, stride: 2));

        var channels = 64L;
        foreach (var (stage, filters, blocks, lastStride) in Stages)
        {
            for (var index = 1; index <= blocks; index++)
            {
                var block = $"{stage}_block{index}";
                var stride = index == blocks ? lastStride : 1;
                architecture._blocks.Add(block);
                var module = architecture.Block(block, channels, filters, stride, convShortcut: index == 1, withModules);
                top.Add(block, () => module!);
                channels = 4 * filters;
            }
        }

        architecture._blocks.Add("post_bn");
        top.Add("post_bn", () => BatchNorm(channels));
        architecture.Norm("post_bn", "post_bn", "post_bn", channels);
        top.Add("post_relu", () => ReLU());
        top.Add("avg_pool", () => AdaptiveAvgPool2d(1));
        top.Add("avg_pool_flatten", () => Flatten());

        if (classes is { } width)
        {
            architecture._blocks.Add("predictions");
            top.Add("predictions", () => Linear(channels, width));
            architecture.Dense("predictions", "predictions", channels, width);
            top.Add("predictions_softmax", () => Softmax(1));
        }

        if (withModules)
            architecture.Network = Sequential(top.Modules);
        return architecture;
    }

    /// <summary>One <c>residual_block_v2</c>; records its layers and returns its module (null when only describing).</summary>
    private Module<Tensor, Tensor>? Block(string block, long inputChannels, long filters, long stride, bool convShortcut, bool withModules)
    {
        var output = $"{block}_out";
        var preactPath = convShortcut ? block : $"{block}.{output}.main";
        var mainPath = $"{block}.{output}.main";

        var preact = new ModuleList(withModules);
        preact.Add($"{block}_preact_bn", () => BatchNorm(inputChannels));
        Norm($"{block}_preact_bn", $"{preactPath}.{block}_preact_bn", block, inputChannels);
        preact.Add($"{block}_preact_relu", () => ReLU());

        var main = new ModuleList(withModules);
        main.Add($"{block}_1_conv", () => Conv2d(inputChannels, filters, 1, bias: false));
        main.Add($"{block}_1_bn", () => BatchNorm(filters));
        main.Add($"{block}_1_relu", () => ReLU());
        main.Add($"{block}_2_pad", () => ZeroPad2d(1));
        main.Add($"{block}_2_conv", () => Conv2d(filters, filters, 3, stride: stride, bias: false));
        main.Add($"{block}_2_bn", () => BatchNorm(filters));
        main.Add($"{block}_2_relu", () => ReLU());
        main.Add($"{block}_3_conv", () => Conv2d(filters, 4 * filters, 1, bias: true));

        Conv($"{block}_1_conv", $"{mainPath}.{block}_1_conv", block, inputChannels, filters, 1, bias: false);
        Norm($"{block}_1_bn", $"{mainPath}.{block}_1_bn", block, filters);
        Conv($"{block}_2_conv", $"{mainPath}.{block}_2_conv", block, filters, filters, 3, bias: false);
        Norm($"{block}_2_bn", $"{mainPath}.{block}_2_bn", block, filters);
        if (convShortcut)
            Conv($"{block}_0_conv", $"{block}.{output}.shortcut.{block}_0_conv", block, inputChannels, 4 * filters, 1, bias: true);
        Conv($"{block}_3_conv", $"{mainPath}.{block}_3_conv", block, filters, 4 * filters, 1, bias: true);

        if (!withModules)
            return null;

        if (convShortcut)
        {
            // Both branches read the pre-activation, so it runs once, before the residual block.
            var shortcut = Sequential(($"{block}_0_conv", (Module<Tensor, Tensor>)Conv2d(inputChannels, 4 * filters, 1, stride: stride, bias: true)));
            var residual = new ResidualBlock(Sequential(main.Modules), shortcut, name: output);
            return Sequential([.. preact.Modules, (output, residual)]);
        }

        // The shortcut is the block input before the pre-activation; Keras leaves its max pool unnamed.
        Module<Tensor, Tensor>? identity = stride > 1 ? MaxPool2d(1, stride: stride) : null;
        var block2 = new ResidualBlock(Sequential([.. preact.Modules, .. main.Modules]), identity, name: output);
        return Sequential((output, (Module<Tensor, Tensor>)block2));
    }

    private static BatchNorm2d BatchNorm(long channels) =>
        BatchNorm2d(channels, eps: BatchNormEpsilon, momentum: TorchBatchNormMomentum);

    private void Conv(string name, string path, string block, long input, long output, long kernel, bool bias)
    {
        List<KerasWeight> weights = [new("kernel", [kernel, kernel, input, output], "weight", [output, input, kernel, kernel], false)];
        if (bias)
            weights.Add(new("bias", [output], "bias", [output], false));
        _layers.Add(new KerasLayer(name, path, KerasLayerKind.Conv2D, block, weights));
    }

    private void Norm(string name, string path, string block, long channels) =>
        _layers.Add(new KerasLayer(name, path, KerasLayerKind.BatchNormalization, block,
        [
            new("gamma", [channels], "weight", [channels], false),
            new("beta", [channels], "bias", [channels], false),
            new("moving_mean", [channels], "running_mean", [channels], true),
            new("moving_variance", [channels], "running_var", [channels], true),
        ]));

    private void Dense(string name, string path, long input, long output) =>
        _layers.Add(new KerasLayer(name, path, KerasLayerKind.Dense, name,
        [
            new("kernel", [input, output], "weight", [output, input], false),
            new("bias", [output], "bias", [output], false),
        ]));

    /// <summary>Named modules made only when building, so describing the architecture allocates no tensors.</summary>
    private sealed class ModuleList(bool build)
    {
        public List<(string Name, Module<Tensor, Tensor> Module)> Modules { get; } = [];

        public void Add(string name, Func<Module<Tensor, Tensor>> create)
        {
            if (build)
                Modules.Add((name, create()));
        }
    }
}
