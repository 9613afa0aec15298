namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// One Keras layer of ResNet50V2 that holds weights, and where it lives in the TorchSharp module: the public half of the
/// one-to-one mapping between Keras layer names and module paths.
/// </summary>
/// <param name="Name">The Keras layer name, e.g. <c>conv3_block2_1_bn</c>.</param>
/// <param name="ModulePath">
/// The module's path in the network, as <c>named_modules()</c> and the state dict spell it, e.g.
/// <c>conv3_block2.conv3_block2_out.main.conv3_block2_1_bn</c>; the last segment is always the Keras name.
/// </param>
/// <param name="Kind">The Keras layer type.</param>
/// <param name="Block">
/// The block the layer belongs to, as <see cref="ResNet50V2Network.BlockNames"/> lists them: <c>conv1</c> for the stem,
/// <c>conv3_block2</c>, <c>post_bn</c> or <c>predictions</c>.
/// </param>
/// <param name="Weights">The layer's weights in the order Keras stores them (its <c>weight_names</c>).</param>
public sealed record KerasLayer(string Name, string ModulePath, KerasLayerKind Kind, string Block, IReadOnlyList<KerasWeight> Weights)
{
    /// <summary>The state-dict key of one of the layer's weights, e.g. <c>conv1_conv.weight</c> or <c>conv2_block1.conv2_block1_preact_bn.running_var</c>.</summary>
    /// <param name="weight">One of <see cref="Weights"/>.</param>
    public string StateDictKey(KerasWeight weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return $"{ModulePath}.{weight.TorchName}";
    }
}
