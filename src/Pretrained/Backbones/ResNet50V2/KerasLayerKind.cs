namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>The Keras layer types of ResNet50V2 that hold weights.</summary>
public enum KerasLayerKind
{
    /// <summary><c>Conv2D</c>: <c>kernel</c> (height, width, in, out), and <c>bias</c> (out) where the layer has one.</summary>
    Conv2D,

    /// <summary><c>BatchNormalization</c>: <c>gamma</c>, <c>beta</c>, <c>moving_mean</c>, <c>moving_variance</c>, each (channels).</summary>
    BatchNormalization,

    /// <summary><c>Dense</c>: <c>kernel</c> (in, out) and <c>bias</c> (out).</summary>
    Dense,
}
