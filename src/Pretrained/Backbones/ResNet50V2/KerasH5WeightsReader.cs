using PureHDF;
using PureHDF.VOL.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Backbones.ResNet50V2;

/// <summary>
/// Reads Keras' HDF5 weight layout (<c>keras/src/legacy/saving/legacy_h5_format.py</c>, <c>save_weights_to_hdf5_group</c>)
/// with PureHDF, by layer name, and checks it against the architecture before anything is copied.
/// </summary>
/// <remarks>
/// The root (or the <c>model_weights</c> group of a whole saved model) has a <c>layer_names</c> attribute, possibly split by
/// Keras into <c>layer_names0</c>, <c>layer_names1</c>... for size, listing every layer in <c>model.layers</c> order. Each
/// layer has a group whose <c>weight_names</c> attribute lists its datasets by path within the group: Keras 2 writes
/// <c>conv1_conv/kernel:0</c>, Keras 3 <c>conv1_conv/kernel</c>. Layers without weights have an empty list. Keras loads by
/// position in that list; this reader loads by name and also requires Keras' order, so that a file that Keras would load
/// into the wrong layers is refused rather than silently accepted here.
/// </remarks>
internal static class KerasH5WeightsReader
{
    /// <summary>Keras' <c>WEIGHTS_HASHES["resnet50v2"]</c>: (with top, without top).</summary>
    internal const string PublishedMd5WithTop = "3ef43a0b657b3be2300d5770ece849e0";

    internal const string PublishedMd5WithoutTop = "fac2f116257151a9d068a22e544a4917";

    /// <summary>Reads, checks and copies the file into <paramref name="network"/>.</summary>
    public static LoadedWeights Load(nn.Module network, string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"The Keras weights file '{fullPath}' does not exist.", fullPath);

        var hasTop = network.named_modules().Any(m => m.name == "predictions");
        var (md5, sha256) = FileDigest.Of(fullPath);
        CheckPublishedFile(fullPath, md5, hasTop);

        var classes = hasTop ? (int)network.named_parameters().First(p => p.name == "predictions.weight").parameter.shape[0] : 1000;
        var layers = ResNet50V2Network.KerasLayers(hasTop, classes);
        var targets = KerasWeightAssignment.TargetsOf(network, layers);

        NativeFile file;
        try
        {
            file = H5File.OpenRead(fullPath);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new WeightsFileException(fullPath, null, $"'{fullPath}' is not a readable HDF5 file: {e.Message}", e);
        }

        using (file)
        {
            IH5Group root = file.LinkExists("model_weights") ? file.Group("model_weights") : file;
            var fileLayers = WeightedLayers(root, fullPath);
            CheckLayerSet(fullPath, layers, fileLayers, hasTop);

            var values = new List<(KerasLayer Layer, Tensor[] Values)>();
            long count = 0;
            using var scope = torch.NewDisposeScope();
            foreach (var layer in layers)
            {
                var tensors = ReadLayer(fullPath, root.Group(layer.Name), layer, fileLayers[layer.Name]);
                count += tensors.Sum(t => t.numel());
                values.Add((layer, tensors));
            }
            // Copied only once the whole file has been read and checked, so a bad file leaves the network as it was.
            foreach (var (layer, tensors) in values)
                KerasWeightAssignment.Assign(targets, layer, tensors);
            return new LoadedWeights(fullPath, WeightsFormat.KerasH5, sha256, layers.Count, count);
        }
    }

    private static void CheckPublishedFile(string path, string md5, bool hasTop)
    {
        var name = Path.GetFileName(path);
        var (published, withTop) = name switch
        {
            ResNet50V2Network.KerasWeightsFileNameWithoutTop => (PublishedMd5WithoutTop, false),
            ResNet50V2Network.KerasWeightsFileNameWithTop => (PublishedMd5WithTop, true),
            _ => ((string?)null, false),
        };
        if (published is null)
            return;
        if (!string.Equals(md5, published, StringComparison.OrdinalIgnoreCase))
            throw new WeightsFileException(path, null,
                $"'{path}' has Keras' published name but MD5 {md5}, where Keras publishes {published} for {name}: the download is incomplete or damaged, "
                + "or another file was given that name. Download it again, or rename your own weights file.");
        if (withTop != hasTop)
            throw new WeightsFileException(path, withTop ? "predictions" : null,
                withTop
                    ? $"{name} holds the 1000-class predictions layer, but the network has no top; build it with classes: 1000, or use {ResNet50V2Network.KerasWeightsFileNameWithoutTop}."
                    : $"{name} has no predictions layer, but the network has one; build it with classes: null, or use {ResNet50V2Network.KerasWeightsFileNameWithTop}.");
    }

    /// <summary>The layers of the file that hold weights, in the file's order, each with its weight names.</summary>
    private static Dictionary<string, (int Position, string[] WeightNames)> WeightedLayers(IH5Group root, string path)
    {
        var names = StringList(root, "layer_names", path, null)
            ?? throw new WeightsFileException(path, null,
                $"'{path}' has no layer_names attribute, so it is not a Keras HDF5 weights file (model.save_weights with the .h5 extension, or model.save as .h5). "
                + "A Keras 3 '.weights.h5' or '.keras' file has another layout: load it in Keras and save_weights to '.h5'.");
        var layers = new Dictionary<string, (int, string[])>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!root.LinkExists(name))
                throw new WeightsFileException(path, name, $"'{path}' lists layer '{name}' in layer_names but has no group for it: the file is truncated or was not written by Keras.");
            var weightNames = StringList(root.Group(name), "weight_names", path, name) ?? [];
            if (weightNames.Length > 0)
                layers[name] = (layers.Count, weightNames);
        }
        return layers;
    }

    /// <summary>A string-list attribute, joined from Keras' chunks (<c>name0</c>, <c>name1</c>...) when it was split; null when absent.</summary>
    private static string[]? StringList(IH5Group group, string name, string path, string? layer)
    {
        if (group.AttributeExists(name))
            return ReadStrings(group.Attribute(name), path, layer, name);
        if (!group.AttributeExists($"{name}0"))
            return null;
        var all = new List<string>();
        for (var chunk = 0; group.AttributeExists($"{name}{chunk}"); chunk++)
            all.AddRange(ReadStrings(group.Attribute($"{name}{chunk}"), path, layer, $"{name}{chunk}"));
        return [.. all];
    }

    private static string[] ReadStrings(IH5Attribute attribute, string path, string? layer, string name)
    {
        // Keras writes an empty list as an empty float array, which has no strings to read.
        if (attribute.Space.Dimensions.Aggregate(1UL, (a, b) => a * b) == 0)
            return [];
        if (attribute.Type.Class != H5DataTypeClass.String)
            throw new WeightsFileException(path, layer, $"'{path}': attribute {name}{(layer is null ? "" : $" of layer '{layer}'")} is {attribute.Type.Class}, where Keras writes strings.");
        return attribute.Space.Rank == 0 ? [attribute.Read<string>()] : attribute.Read<string[]>();
    }

    private static void CheckLayerSet(string path, IReadOnlyList<KerasLayer> layers, Dictionary<string, (int Position, string[] WeightNames)> fileLayers, bool hasTop)
    {
        var expected = layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var missing = layers.FirstOrDefault(l => !fileLayers.ContainsKey(l.Name));
        if (missing is not null)
        {
            var count = layers.Count(l => !fileLayers.ContainsKey(l.Name));
            throw new WeightsFileException(path, missing.Name,
                $"'{path}' has no weights for layer '{missing.Name}' ({missing.Kind}, expected {string.Join(", ", missing.Weights.Select(w => $"{w.KerasName} {w.DescribeKerasShape()}"))})"
                + $"{(count > 1 ? $", nor for {count - 1} other layer(s)" : "")}. "
                + (missing.Name == "predictions" ? "The file has no top; build the network with classes: null." : "Is it a ResNet50V2 weights file?"));
        }
        var extra = fileLayers.OrderBy(l => l.Value.Position).FirstOrDefault(l => !expected.Contains(l.Key)).Key;
        if (extra is not null)
            throw new WeightsFileException(path, extra,
                $"'{path}' has weights for layer '{extra}', which ResNet50V2{(hasTop ? "" : " without its top")} does not have"
                + (extra == "predictions" ? ": the file has the top; build the network with classes: 1000." : "; is it a ResNet50V2 weights file?"));
        var order = fileLayers.OrderBy(l => l.Value.Position).Select(l => l.Key).ToList();
        for (var i = 0; i < layers.Count; i++)
        {
            if (order[i] != layers[i].Name)
                throw new WeightsFileException(path, order[i],
                    $"'{path}' lists layer '{order[i]}' as weighted layer #{i} where Keras' ResNet50V2 has '{layers[i].Name}': Keras loads such files by position, "
                    + "so the file's layers are out of order or renamed, and Keras itself would load them into the wrong layers.");
        }
    }

    private static Tensor[] ReadLayer(string path, IH5Group group, KerasLayer layer, (int Position, string[] WeightNames) entry)
    {
        var weightNames = entry.WeightNames;
        if (weightNames.Length != layer.Weights.Count)
            throw new WeightsFileException(path, layer.Name,
                $"'{path}': layer '{layer.Name}' has {weightNames.Length} weight(s) ({string.Join(", ", weightNames)}), "
                + $"where Keras' {layer.Kind} has {layer.Weights.Count} ({string.Join(", ", layer.Weights.Select(w => w.KerasName))}).");
        var tensors = new Tensor[layer.Weights.Count];
        for (var i = 0; i < weightNames.Length; i++)
        {
            var weight = layer.Weights[i];
            var shortName = ShortName(weightNames[i]);
            if (shortName != weight.KerasName)
                throw new WeightsFileException(path, layer.Name,
                    $"'{path}': weight #{i} of layer '{layer.Name}' is '{weightNames[i]}', where Keras stores '{weight.KerasName}' in that place.");
            if (!group.LinkExists(weightNames[i]))
                throw new WeightsFileException(path, layer.Name, $"'{path}': layer '{layer.Name}' lists weight '{weightNames[i]}' but has no dataset for it.");
            var dataset = group.Dataset(weightNames[i]);
            var shape = dataset.Space.Dimensions.Select(d => (long)d).ToArray();
            if (!shape.SequenceEqual(weight.KerasShape))
                throw new WeightsFileException(path, layer.Name,
                    $"'{path}': layer '{layer.Name}' weight '{weight.KerasName}' has shape {KerasWeight.Describe(shape)}, expected {weight.DescribeKerasShape()}.");
            if (dataset.Type.Class != H5DataTypeClass.FloatingPoint || dataset.Type.Size is not (4 or 8))
                throw new WeightsFileException(path, layer.Name,
                    $"'{path}': layer '{layer.Name}' weight '{weight.KerasName}' is stored as {dataset.Type.Class} of {dataset.Type.Size} bytes, where float32 or float64 is expected.");
            var values = dataset.Type.Size == 4 ? dataset.Read<float[]>() : dataset.Read<double[]>().Select(v => (float)v).ToArray();
            tensors[i] = ToTorchLayout(torch.tensor(values, shape), layer.Kind, weight);
        }
        return tensors;
    }

    /// <summary>"conv1_conv/kernel:0" or "conv1_conv/kernel" gives "kernel".</summary>
    private static string ShortName(string weightName)
    {
        var name = weightName[(weightName.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon > 0 ? name[..colon] : name;
    }

    /// <summary>HWIO convolution kernels become OIHW, (in, out) dense kernels become (out, in); the rest is unchanged.</summary>
    private static Tensor ToTorchLayout(Tensor value, KerasLayerKind kind, KerasWeight weight) => (kind, weight.KerasName) switch
    {
        (KerasLayerKind.Conv2D, "kernel") => value.permute(3, 2, 0, 1).contiguous(),
        (KerasLayerKind.Dense, "kernel") => value.t().contiguous(),
        _ => value,
    };
}
