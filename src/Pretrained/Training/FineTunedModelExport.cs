using Google.Protobuf;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Onnx.Surgery;
using MLNetDeep.Trainers.Training;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// Phase 2's export: the fine-tuned weights (and the statistics) of the trained upper part written back into the
/// backbone graph's initializers, by name, and the head spliced on, as phase 1 does: one graph from decoded pixels to the
/// class probabilities. The frozen part is the backbone graph's own, untouched.
/// </summary>
internal sealed class FineTunedModelExport(BackboneGraph graph, int featureCount) : INetworkExport
{
    /// <summary>The export head is the softmax <see cref="ImageModelExport.Splice"/> adds, so <paramref name="head"/> is not used.</summary>
    public byte[] Export(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? head, SampleShape sampleShape, string inputName, string outputName)
    {
        var fineTuned = network as FineTuningNetwork ?? throw new ArgumentException($"Expected phase 2's network; got {network.GetType().Name}.", nameof(network));
        var backbone = OnnxInitializerReplacement.ReplaceInitializers(graph.Model, fineTuned.Trained);
        return ImageModelExport.Splice(graph, backbone, fineTuned.Head, featureCount).ToByteArray();
    }
}
