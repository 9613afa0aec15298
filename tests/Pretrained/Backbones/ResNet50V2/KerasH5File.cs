using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using PureHDF;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>
/// Writes a network's weights as Keras' <c>save_weights_to_hdf5_group</c> does: a <c>layer_names</c> attribute listing
/// every layer of <c>model.layers</c> (weightless ones included), <c>backend</c> and <c>keras_version</c>, and per layer a
/// group with a <c>weight_names</c> attribute and its datasets nested by weight path (<c>conv1_conv/kernel:0</c>), HWIO
/// kernels, fixed-length strings as h5py writes numpy byte strings. The edits let tests damage the file on purpose.
/// </summary>
internal sealed class KerasH5File
{
    private readonly List<string> _layerNames = [];
    private readonly Dictionary<string, List<(string WeightName, float[] Values, long[] Shape)>> _weights = new(StringComparer.Ordinal);

    /// <summary>Keras 2 appends ":0" to weight names; Keras 3 does not.</summary>
    public bool Keras2WeightNames { get; init; } = true;

    /// <summary>Whether to nest everything under "model_weights", as <c>model.save("x.h5")</c> does.</summary>
    public bool AsWholeModel { get; init; }

    public static KerasH5File From(nn.Module network, bool keras2WeightNames = true, bool asWholeModel = false)
    {
        var hasTop = network.named_modules().Any(m => m.name == "predictions");
        var classes = hasTop ? (int)network.state_dict()["predictions.weight"].shape[0] : 1000;
        var file = new KerasH5File { Keras2WeightNames = keras2WeightNames, AsWholeModel = asWholeModel };
        var state = network.state_dict();
        var byName = ResNet50V2Network.KerasLayers(hasTop, classes).ToDictionary(l => l.Name);
        foreach (var name in KerasModelLayers(hasTop))
        {
            file._layerNames.Add(name);
            if (!byName.TryGetValue(name, out var layer))
                continue;
            file._weights[name] = [.. layer.Weights.Select(w =>
            {
                using var keras = ToKerasLayout(state[layer.StateDictKey(w)], layer.Kind, w);
                return (w.KerasName, keras.data<float>().ToArray(), keras.shape);
            })];
        }
        return file;
    }

    /// <summary>Every layer of Keras' ResNet50V2 in <c>model.layers</c> order, the weightless ones included.</summary>
    public static IEnumerable<string> KerasModelLayers(bool hasTop)
    {
        yield return "input_1";
        foreach (var name in new[] { "conv1_pad", "conv1_conv", "pool1_pad", "pool1_pool" })
            yield return name;
        var pools = 0;
        foreach (var (stage, blocks, lastStride) in new[] { ("conv2", 3, 2), ("conv3", 4, 2), ("conv4", 6, 2), ("conv5", 3, 1) })
        {
            for (var i = 1; i <= blocks; i++)
            {
                var b = $"{stage}_block{i}";
                foreach (var suffix in new[] { "preact_bn", "preact_relu", "1_conv", "1_bn", "1_relu", "2_pad", "2_conv", "2_bn", "2_relu" })
                    yield return $"{b}_{suffix}";
                if (i == 1)
                    yield return $"{b}_0_conv";
                else if (i == blocks && lastStride > 1)
                    yield return pools++ == 0 ? "max_pooling2d" : $"max_pooling2d_{pools - 1}";
                yield return $"{b}_3_conv";
                yield return $"{b}_out";
            }
        }
        yield return "post_bn";
        yield return "post_relu";
        if (hasTop)
        {
            yield return "avg_pool";
            yield return "predictions";
        }
    }

    public void SwapLayers(string a, string b)
    {
        var (i, j) = (_layerNames.IndexOf(a), _layerNames.IndexOf(b));
        (_layerNames[i], _layerNames[j]) = (_layerNames[j], _layerNames[i]);
    }

    public void RemoveLayer(string name)
    {
        _layerNames.Remove(name);
        _weights.Remove(name);
    }

    public void AddLayer(string name, string weightName, float[] values, long[] shape)
    {
        _layerNames.Add(name);
        _weights[name] = [(weightName, values, shape)];
    }

    public void ReplaceWeight(string layer, string weightName, float[] values, long[] shape)
    {
        var list = _weights[layer];
        var index = list.FindIndex(w => w.WeightName == weightName);
        list[index] = (weightName, values, shape);
    }

    public void Write(string path)
    {
        var root = new H5Group();
        root.Attributes["layer_names"] = _layerNames.ToArray();
        root.Attributes["backend"] = "tensorflow";
        root.Attributes["keras_version"] = Keras2WeightNames ? "2.2.4" : "3.3.3";
        foreach (var name in _layerNames.OrderBy(n => n, StringComparer.Ordinal))
        {
            var group = new H5Group();
            var weights = _weights.TryGetValue(name, out var list) ? list : [];
            // Keras writes a weightless layer's empty list as an empty float array (np.asarray([])).
            group.Attributes["weight_names"] = weights.Count == 0
                ? new H5Attribute(Array.Empty<double>(), [0])
                : weights.Select(w => $"{name}/{w.WeightName}{(Keras2WeightNames ? ":0" : "")}").ToArray();
            if (weights.Count > 0)
            {
                var inner = new H5Group();
                foreach (var (weightName, values, shape) in weights)
                    inner[$"{weightName}{(Keras2WeightNames ? ":0" : "")}"] = new H5Dataset(values, fileDims: [.. shape.Select(d => (ulong)d)]);
                group[name] = inner;
            }
            root[name] = group;
        }

        var file = new H5File();
        if (AsWholeModel)
        {
            file.Attributes["keras_version"] = "2.2.4";
            file["model_weights"] = root;
        }
        else
        {
            foreach (var (key, value) in root)
                file[key] = value;
            foreach (var (key, value) in root.Attributes)
                file.Attributes[key] = value;
        }
        file.Write(path, new H5WriteOptions(DefaultStringLength: 64));
    }

    private static Tensor ToKerasLayout(Tensor value, KerasLayerKind kind, KerasWeight weight) => (kind, weight.KerasName) switch
    {
        (KerasLayerKind.Conv2D, "kernel") => value.detach().permute(2, 3, 1, 0).contiguous(),
        (KerasLayerKind.Dense, "kernel") => value.detach().t().contiguous(),
        _ => value.detach().contiguous(),
    };
}
