using System.IO.Compression;
using Google.Protobuf;
using Microsoft.ML;
using MLNetDeep.Pretrained.Onnx.Import;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Onnx;
using MLNetDeep.Transforms.Scoring;
using Onnx;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>
/// A downloaded backbone must not read files outside its folder into its weights (CVE-2022-25882, CVE-2024-27318), and a
/// model zip must not point at external data at all.
/// </summary>
public sealed class ExternalDataTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The synthetic backbone with its stem weight moved to external data at <paramref name="location"/>.</summary>
    private string BackboneWithExternalWeight(string location, bool writeData = true)
    {
        var model = SyntheticBackbone.Build(13, 1);
        var weight = model.Graph.Initializer.Single(t => t.Name == "stem_w");
        var bytes = weight.FloatData.SelectMany(BitConverter.GetBytes).ToArray();
        if (writeData)
            File.WriteAllBytes(Path.Combine(_folder.Sub("models"), "stem.bin"), bytes);
        weight.FloatData.Clear();
        weight.DataLocation = TensorProto.Types.DataLocation.External;
        weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        weight.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString() });
        var path = Path.Combine(_folder.Sub("models"), "backbone.onnx");
        OnnxModelReader.Write(model, path);
        return path;
    }

    [Fact]
    public void External_data_inside_the_models_folder_is_read()
    {
        var path = BackboneWithExternalWeight("stem.bin");
        using var module = OnnxImporter.Load(path);
        var graph = MLNetDeep.Pretrained.Backbones.BackboneGraph.Build(SyntheticBackbone.Backbone(path));
        Assert.DoesNotContain(graph.Model.Graph.Initializer, t => t.DataLocation == TensorProto.Types.DataLocation.External);
    }

    [Theory]
    [InlineData("/etc/passwd", "is absolute")]
    [InlineData("../secret.bin", "climbs out with '..'")]
    [InlineData("sub/../../secret.bin", "climbs out with '..'")]
    public void Locations_outside_the_folder_are_refused_naming_the_tensor_and_location(string location, string why)
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, "secret.bin"), new byte[8 * 3 * 9 * 4]);
        var path = BackboneWithExternalWeight(location);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(path));
        Assert.StartsWith($"Tensor 'stem_w' is stored in external data at location '{location}', which {why};", e.Message);
        var viaBackbone = Assert.Throws<OnnxImportException>(() => MLNetDeep.Pretrained.Backbones.BackboneGraph.Build(SyntheticBackbone.Backbone(path)));
        Assert.Contains("CVE-2022-25882", viaBackbone.Message);
    }

    [Fact]
    public void A_symbolic_link_out_of_the_folder_is_refused()
    {
        var secret = Path.Combine(_folder.Path, "secret.bin");
        File.WriteAllBytes(secret, new byte[8 * 3 * 9 * 4]);
        var path = BackboneWithExternalWeight("link.bin", writeData: false);
        File.CreateSymbolicLink(Path.Combine(_folder.Path, "models", "link.bin"), secret);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(path));
        Assert.Contains($"leads through a symbolic link to '{secret}', outside the folder", e.Message);

        Directory.CreateSymbolicLink(Path.Combine(_folder.Path, "models", "up"), _folder.Path);
        var viaDirectory = BackboneWithExternalWeight("up/secret.bin", writeData: false);
        Assert.Contains("outside the folder", Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(viaDirectory)).Message);
    }

    [Fact]
    public void ModelZip_Verify_refuses_a_zip_whose_graph_points_at_external_data()
    {
        using var set = new SyntheticImageSet(perClass: 2, classes: 2);
        var context = new MLContext(1);
        var data = set.Load(context);
        using var model = context.MulticlassClassification.Trainers.ImageTransferLearning(set.Options()).Fit(data);
        var zip = Path.Combine(_folder.Path, "model.zip");
        context.Model.Save(model, data.Schema, zip);
        ModelZip.Verify(zip);

        // Rewrite the stored graph with one initializer pointing at /etc/passwd, as a tampered zip would.
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            var entry = archive.Entries.Single(e => e.Name == "OnnxModel");
            byte[] stored;
            using (var reader = new BinaryReader(entry.Open()))
                stored = reader.ReadBytes(reader.ReadInt32());
            var graph = ModelProto.Parser.ParseFrom(stored);
            var tensor = graph.Graph.Initializer[0];
            tensor.RawData = ByteString.Empty;
            tensor.FloatData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
            var name = entry.FullName;
            entry.Delete();
            var replaced = archive.CreateEntry(name);
            using var writer = new BinaryWriter(replaced.Open());
            var bytes = graph.ToByteArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
        var e = Assert.Throws<InvalidDataException>(() => ModelZip.Verify(zip));
        Assert.Contains("stores tensor '", e.Message);
        Assert.Contains("in the external file '/etc/passwd'", e.Message);
    }
}
