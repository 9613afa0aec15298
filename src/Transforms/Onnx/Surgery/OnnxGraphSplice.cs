using Onnx;

namespace MLNetDeep.Transforms.Onnx.Surgery;

/// <summary>Joins a head graph onto a backbone graph, making one model (for example a pretrained featurizer and a trained classifier).</summary>
public static class OnnxGraphSplice
{
    /// <summary>
    /// Returns one model in which the head's input is fed by the backbone's output. Head names (tensors,
    /// initializers, nodes) that the backbone already uses get <see cref="OnnxSpliceOptions.CollisionPrefix"/>;
    /// the others keep their names, so the head's outputs keep theirs.
    /// </summary>
    /// <param name="backbone">The first model; not changed.</param>
    /// <param name="head">The model applied to the backbone's output; not changed.</param>
    /// <param name="options">Which tensors to join and how to rename; <see langword="null"/> (the default) uses <see cref="OnnxSpliceOptions"/>' defaults.</param>
    /// <returns>The joined model, with the backbone's inputs and the head's outputs.</returns>
    /// <exception cref="ArgumentException">
    /// A named tensor does not exist, or the two models import different versions of an operator set (the ops of
    /// one could change meaning under the other's version: export both with the same opset).
    /// </exception>
    public static ModelProto Splice(ModelProto backbone, ModelProto head, OnnxSpliceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(head);
        options ??= new OnnxSpliceOptions();
        var backboneOutput = options.BackboneOutput ?? Single(backbone.Graph.Output.Select(o => o.Name), "backbone", "graph output", nameof(OnnxSpliceOptions.BackboneOutput));
        if (!backbone.Graph.Node.Any(n => n.Output.Contains(backboneOutput)) && !backbone.Graph.Input.Any(i => i.Name == backboneOutput))
            throw new ArgumentException($"The backbone produces no tensor named '{backboneOutput}'.", nameof(options));
        var headInitializers = head.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var headInputs = head.Graph.Input.Select(i => i.Name).Where(n => !headInitializers.Contains(n)).ToArray();
        var headInput = options.HeadInput ?? Single(headInputs, "head", "input", nameof(OnnxSpliceOptions.HeadInput));
        if (!headInputs.Contains(headInput))
            throw new ArgumentException($"The head has no graph input named '{headInput}' (inputs: {string.Join(", ", headInputs)}).", nameof(options));

        var merged = backbone.Clone();
        MergeOpsets(merged, head);
        merged.IrVersion = Math.Max(backbone.IrVersion, head.IrVersion);

        var graph = merged.Graph;
        var taken = new HashSet<string>(StringComparer.Ordinal);
        taken.UnionWith(graph.Input.Select(i => i.Name));
        taken.UnionWith(graph.Initializer.Select(i => i.Name));
        taken.UnionWith(graph.ValueInfo.Select(v => v.Name));
        taken.UnionWith(graph.Node.SelectMany(n => n.Output));
        taken.UnionWith(graph.Node.Select(n => n.Name).Where(n => n.Length > 0));

        var renamed = new Dictionary<string, string>(StringComparer.Ordinal) { [headInput] = backboneOutput, [""] = "" };
        string Rename(string name)
        {
            if (renamed.TryGetValue(name, out var known))
                return known;
            var unique = name;
            while (taken.Contains(unique))
                unique = options.CollisionPrefix + unique;
            taken.Add(unique);
            return renamed[name] = unique;
        }

        foreach (var initializer in head.Graph.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = Rename(initializer.Name);
            graph.Initializer.Add(copy);
        }
        foreach (var input in head.Graph.Input.Where(i => i.Name != headInput && !headInitializers.Contains(i.Name)))
        {
            var copy = input.Clone();
            copy.Name = Rename(input.Name);
            graph.Input.Add(copy);
        }
        foreach (var node in head.Graph.Node)
        {
            var copy = node.Clone();
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(Rename));
            copy.Output.Clear();
            copy.Output.AddRange(node.Output.Select(Rename));
            if (node.Name.Length > 0)
                copy.Name = Rename(node.Name);
            graph.Node.Add(copy);
        }
        foreach (var info in head.Graph.ValueInfo.Where(v => v.Name != headInput))
        {
            var copy = info.Clone();
            copy.Name = Rename(info.Name);
            graph.ValueInfo.Add(copy);
        }

        var spliced = graph.Output.FirstOrDefault(o => o.Name == backboneOutput);
        graph.Output.Clear();
        if (options.KeepBackboneOutput && spliced is not null)
            graph.Output.Add(spliced);
        else if (spliced is not null)
            graph.ValueInfo.Add(spliced);
        foreach (var output in head.Graph.Output)
        {
            var copy = output.Clone();
            copy.Name = Rename(output.Name);
            graph.Output.Add(copy);
        }
        return merged;
    }

    private static void MergeOpsets(ModelProto merged, ModelProto head)
    {
        foreach (var import in head.OpsetImport)
        {
            var existing = merged.OpsetImport.FirstOrDefault(o => NormalizeDomain(o.Domain) == NormalizeDomain(import.Domain));
            if (existing is null)
            {
                merged.OpsetImport.Add(import.Clone());
                continue;
            }
            if (existing.Version != import.Version)
                throw new ArgumentException(
                    $"The backbone imports version {existing.Version} of operator set '{NormalizeDomain(import.Domain)}' but the head imports version {import.Version}; " +
                    "operators can change meaning between versions (Split, Pad, Softmax, Squeeze...), so export both with the same version.",
                    nameof(head));
        }
    }

    private static string NormalizeDomain(string domain) => domain is "" or "ai.onnx" ? "ai.onnx" : domain;

    private static string Single(IEnumerable<string> names, string model, string what, string option)
    {
        var all = names.ToArray();
        return all.Length == 1
            ? all[0]
            : throw new ArgumentException($"The {model} has {all.Length} {what}s ({string.Join(", ", all)}); say which with OnnxSpliceOptions.{option}.");
    }
}
