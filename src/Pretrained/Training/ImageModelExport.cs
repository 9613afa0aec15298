using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Trainers.Onnx.Export;
using MLNetDeep.Transforms.Hosting;
using MLNetDeep.Transforms.Imaging;
using MLNetDeep.Transforms.Onnx.Surgery;
using MLNetDeep.Transforms.Scoring;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// The model as it is served: one ONNX graph (the backbone graph with the head spliced on its features), and the ML.NET
/// chain around it — decoding, <c>OnnxTransformer</c>, ML.NET's multiclass prediction transformer, and a drop of the
/// intermediate columns.
/// </summary>
internal static class ImageModelExport
{
    /// <summary>The graph's output and the column the prediction head reads: the K class probabilities.</summary>
    public const string ProbabilitiesColumn = "MLNetDeepImageProbabilities";

    /// <summary>Exports <paramref name="head"/> (logits) with a softmax at the backbone graph's opset and splices it on.</summary>
    public static ModelProto Splice(BackboneGraph backbone, ModelProto backboneModel, nn.Module<Tensor, Tensor> head, int featureCount)
    {
        using var softmax = nn.Softmax(1);
        var withSoftmax = nn.Sequential(("network", head), ("softmax", softmax));
        var headModel = TorchSharpOnnxExporter.Export(withSoftmax, [featureCount], new OnnxExportOptions
        {
            InputName = HeadData.FeaturesColumn,
            OutputName = ProbabilitiesColumn,
            Opset = Math.Max(backbone.Opset, OnnxExportOptions.MinimumOpset),
        });
        return OnnxGraphSplice.Splice(backboneModel, headModel, new OnnxSpliceOptions
        {
            BackboneOutput = BackboneGraph.FeaturesOutput,
            HeadInput = HeadData.FeaturesColumn,
        });
    }

    /// <summary>The serving chain for <paramref name="onnxModel"/>, fitted on <paramref name="training"/>'s schema (which holds the label's key values).</summary>
    public static TransformerChain<ITransformer> CreateChain(IHostEnvironment environment, IDataView training, string imageColumn, ImageColumnKind kind,
        string? imageFolder, int decodedSize, byte[] onnxModel, string labelColumn, int classCount)
    {
        var transforms = MLNetInternals.Transforms(environment);
        var decode = ImageDecoding.Create(transforms, training, imageColumn, kind, imageFolder, decodedSize);
        var decoded = decode.GetOutputSchema(training.Schema);
        var onnx = OnnxScoringChain.CreateOnnxTransformer(environment, onnxModel, ImageDecoding.PixelsColumn, ProbabilitiesColumn, decoded);
        try
        {
            var scored = onnx.GetOutputSchema(decoded);
            var head = PredictionHeads.CreateMulticlass(environment, scored, ProbabilitiesColumn, labelColumn, classCount);
            var predicted = head.GetOutputSchema(scored);
            string[] intermediate = imageColumn == ImageDecoding.EncodedColumn
                ? [ImageDecoding.PixelsColumn, ProbabilitiesColumn]
                : [ImageDecoding.EncodedColumn, ImageDecoding.PixelsColumn, ProbabilitiesColumn];
            var drop = transforms.DropColumns(intermediate).Fit(new EmptyDataView(predicted));
            return OnnxScoringChain.Chain(decode, onnx, head, drop);
        }
        catch
        {
            OnnxScoringChain.Release(onnx);
            throw;
        }
    }

    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();
}
