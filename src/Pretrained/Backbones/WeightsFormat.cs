namespace MLNetDeep.Pretrained.Backbones;

/// <summary>The file formats the ResNet weights are read from.</summary>
public enum WeightsFormat
{
    /// <summary>A Keras HDF5 weights file (<c>model.save_weights("x.h5")</c>, or a whole model saved as <c>.h5</c>).</summary>
    KerasH5,

    /// <summary>An ONNX model of the Keras network (tf2onnx, keras2onnx, or this library's exporter without batch-norm folding).</summary>
    Onnx,

    /// <summary>A TorchSharp state dict written by <c>Module.save</c>.</summary>
    TorchSharp,

    /// <summary>A safetensors file of a torchvision state dict.</summary>
    Safetensors,
}
