using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Turns the trained network into the ONNX model that serves it. The default, <see cref="TorchSharpNetworkExport"/>,
/// runs the TorchSharp-to-ONNX exporter; an imported backbone's export instead writes the trained weights back into
/// the backbone's own graph and splices the head on.
/// </summary>
internal interface INetworkExport
{
    /// <summary>The ONNX model bytes of <paramref name="network"/> followed by <paramref name="head"/> (softmax, sigmoid, label scaling; null: none).</summary>
    /// <param name="network">The trained network, on the CPU, in inference mode.</param>
    /// <param name="head">The task's export head, applied to the network's raw outputs.</param>
    /// <param name="sampleShape">What one sample of the graph input is.</param>
    /// <param name="inputName">The graph input's name: the feature column.</param>
    /// <param name="outputName">The graph output's name, which the prediction head reads.</param>
    byte[] Export(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? head, SampleShape sampleShape, string inputName, string outputName);
}
