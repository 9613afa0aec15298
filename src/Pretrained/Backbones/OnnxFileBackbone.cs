using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Transforms.Onnx;
using Onnx;

namespace MLNetDeep.Pretrained.Backbones;

/// <summary>A user's ONNX file; external data is read in through <see cref="ExternalDataLocation"/>, which refuses locations outside the file's folder.</summary>
internal sealed class OnnxFileBackbone(string path, string featureTensorName, int inputWidth, int inputHeight,
    ImagePreprocessing preprocessing, string? sha256, string? inputTensorName) : BackboneSource
{
    public string Path { get; } = path;

    public override string Name => System.IO.Path.GetFileName(Path);

    public override int InputWidth => inputWidth;

    public override int InputHeight => inputHeight;

    public override ImagePreprocessing Preprocessing => preprocessing;

    public override string FeatureTensorName => featureTensorName;

    public override string? InputTensorName => inputTensorName;

    public override string? Sha256 => sha256;

    public override (ModelProto Graph, string WeightsKey) Load()
    {
        var hash = WeightsFile.Check(Path, sha256, "backbone");
        ModelProto model;
        try
        {
            model = OnnxModelReader.Read(Path);
        }
        catch (OnnxImportException e)
        {
            throw new InvalidDataException($"The backbone file '{Path}' is not a readable ONNX model: {e.Message}", e);
        }
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        var key = hash;
        foreach (var tensor in model.Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            // Inlined here, so that ONNX Runtime (which would read the locations itself) and the saved model never see them.
            var bytes = OnnxTensorConversion.ReadRawBytes(tensor, folder)!;
            key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key).Concat(bytes).ToArray()));
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
            tensor.RawData = Google.Protobuf.ByteString.CopyFrom(bytes);
        }
        return (model, key);
    }
}
