namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>How the BatchNormalization nodes of an <see cref="OnnxModule"/> behave while the module trains.</summary>
public enum BatchNormStatisticsMode
{
    /// <summary>
    /// The default, as in PyTorch: while training, every BatchNormalization normalizes with the batch's statistics
    /// and updates its running mean and variance; in evaluation it uses the running values.
    /// </summary>
    UpdateWhileTraining = 0,

    /// <summary>
    /// BatchNormalization nodes in frozen layers behave as in evaluation even while training (running statistics,
    /// left unchanged), as Keras does for non-trainable layers; those in trainable layers update as usual.
    /// </summary>
    FrozenInFrozenLayers = 1,

    /// <summary>Every BatchNormalization behaves as in evaluation, always: the running statistics never change.</summary>
    Frozen = 2,
}
