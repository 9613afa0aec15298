using static TorchSharp.torch;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Training;

/// <summary>The default export: the network and head as one <c>Sequential</c> through <see cref="TorchSharpOnnxExporter"/>, with input [N, ..sample shape].</summary>
internal sealed class TorchSharpNetworkExport : INetworkExport
{
    public static readonly TorchSharpNetworkExport Instance = new();

    public byte[] Export(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? head, SampleShape sampleShape, string inputName, string outputName)
    {
        var exported = head is null ? network : nn.Sequential(("network", network), ("head", head));
        using var stream = new MemoryStream();
        TorchSharpOnnxExporter.Export(exported, sampleShape.Dimensions.ToArray(), stream,
            new OnnxExportOptions { InputName = inputName, OutputName = outputName });
        return stream.ToArray();
    }
}
