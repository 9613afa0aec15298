namespace MLNetDeep.Pretrained;

/// <summary>The order of the colour planes a backbone expects.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue: PyTorch/torchvision and Keras "tf"-mode models. The default.</summary>
    Rgb = 0,

    /// <summary>Blue, green, red: Caffe- and CNTK-trained models (Keras "caffe" mode, the ML.NET ResNet18 featurizer).</summary>
    Bgr = 1,
}
