using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// Keras' <c>keras.applications.ResNet50V2</c> as a native TorchSharp module, built layer for layer as Keras builds it,
/// with every module named after its Keras layer.
/// </summary>
/// <remarks>
/// <para>
/// The stem is <c>conv1_pad</c> (zero padding 3), <c>conv1_conv</c> (7x7, stride 2, with bias), <c>pool1_pad</c> (zero
/// padding 1) and <c>pool1_pool</c> (3x3 max pool, stride 2). The zeros are padded explicitly rather than as the pool's own
/// padding, as in Keras: there is no ReLU before the pool, so a padded zero can win the max against negative values, where
/// a pool's own padding (negative infinity) would not. Stages conv2 to conv5 have 3, 4, 6 and 3 pre-activation bottleneck
/// blocks (<c>convK_blockN</c>); batch norms use Keras' epsilon 1.001e-5. The head is <c>post_bn</c>, <c>post_relu</c> and
/// global average pooling to <see cref="FeatureCount"/> features (Keras' <c>include_top=False, pooling="avg"</c>), followed,
/// with a top, by Keras' <c>predictions</c> dense layer and its softmax.
/// </para>
/// <para>
/// Input is [N, 3, H, W] RGB, <see cref="InputSize"/> square for the ImageNet weights, preprocessed as Keras' "tf" mode:
/// x / 127.5 - 1 on 0-255 pixel values. The module exports to ONNX with <c>TorchSharpOnnxExporter</c>.
/// </para>
/// </remarks>
public static class ResNet50V2Network
{
    /// <summary>The input height and width of the ImageNet weights: 224.</summary>
    public const int InputSize = 224;

    /// <summary>The feature width after global average pooling: 2048.</summary>
    public const int FeatureCount = 2048;

    /// <summary>Keras' published parameter count without the top, moving statistics included: 23,564,800.</summary>
    public const long ParameterCountWithoutTop = 23_564_800;

    /// <summary>Keras' published parameter count with the 1000-class <c>predictions</c> layer: 25,613,800.</summary>
    public const long ParameterCountWithTop = 25_613_800;

    /// <summary>The Keras file name of the ImageNet weights without the top.</summary>
    public const string KerasWeightsFileNameWithoutTop = "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5";

    /// <summary>The Keras file name of the ImageNet weights with the top.</summary>
    public const string KerasWeightsFileNameWithTop = "resnet50v2_weights_tf_dim_ordering_tf_kernels.h5";

    private static readonly ResNet50V2Architecture WithoutTop = ResNet50V2Architecture.Describe(null);

    /// <summary>
    /// The blocks from the input to the output: <c>conv1</c> (the stem), <c>conv2_block1</c> ... <c>conv5_block3</c>, and
    /// <c>post_bn</c>; "train the top N blocks" takes the last N.
    /// </summary>
    public static IReadOnlyList<string> BlockNames => WithoutTop.Blocks;

    /// <summary>Builds the network with torch's default initialization, in training mode.</summary>
    /// <param name="classes">The width of Keras' <c>predictions</c> layer (1000 for ImageNet); null (the default) for none, the network then ending at the 2048 pooled features.</param>
    /// <returns>The network; its children are named after the Keras layers and blocks.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is below 1.</exception>
    public static Sequential Create(int? classes = null)
    {
        if (classes is < 1)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "The predictions layer needs at least 1 class; pass null for none.");
        return ResNet50V2Architecture.Create(classes).Network;
    }

    /// <summary>The weighted Keras layers in Keras' order, each with its module path and weights.</summary>
    /// <param name="withTop">Whether to include the <c>predictions</c> layer.</param>
    /// <param name="classes">The width of the <c>predictions</c> layer when <paramref name="withTop"/> is true.</param>
    public static IReadOnlyList<KerasLayer> KerasLayers(bool withTop = false, int classes = 1000) =>
        withTop ? ResNet50V2Architecture.Describe(classes).Layers : WithoutTop.Layers;

    /// <summary>
    /// Freezes or unfreezes parameters by Keras name, as Keras' <c>layer.trainable</c> does: each name is a layer
    /// (<c>conv5_block3_3_conv</c>) or a block (<c>conv5_block3</c>, <c>conv1</c>, <c>post_bn</c>), and every parameter of it
    /// gets <c>requires_grad = trainable</c>. Moving statistics are buffers and never trained.
    /// </summary>
    /// <param name="network">A network made by <see cref="Create"/>.</param>
    /// <param name="trainable">True to train the named layers, false to freeze them.</param>
    /// <param name="names">Keras layer or block names.</param>
    /// <returns>The number of parameter tensors changed.</returns>
    /// <exception cref="ArgumentException">A name is neither a layer nor a block, or the network lacks the layer.</exception>
    public static int SetTrainable(Module network, bool trainable, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(names);
        var hasTop = network.named_modules().Any(m => m.name == "predictions");
        var layers = KerasLayers(hasTop, classes: 1);
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var changed = 0;
        foreach (var name in names)
        {
            var selected = layers.Where(l => l.Name == name || l.Block == name).ToList();
            if (selected.Count == 0)
                throw new ArgumentException(
                    $"'{name}' is not a Keras layer or block of ResNet50V2{(hasTop ? "" : " without its top")}; blocks are {string.Join(", ", BlockNames)}{(hasTop ? ", predictions" : "")}, "
                    + "layers are named like conv2_block1_1_conv, conv2_block1_preact_bn and post_bn.", nameof(names));
            foreach (var layer in selected)
            {
                foreach (var weight in layer.Weights.Where(w => !w.IsMovingStatistic))
                {
                    if (!parameters.TryGetValue(layer.StateDictKey(weight), out var parameter))
                        throw new ArgumentException(
                            $"The network has no parameter '{layer.StateDictKey(weight)}' for Keras layer '{layer.Name}'; pass a network made by {nameof(ResNet50V2Network)}.{nameof(Create)}.", nameof(network));
                    parameter.requires_grad = trainable;
                    changed++;
                }
            }
        }
        return changed;
    }
}
