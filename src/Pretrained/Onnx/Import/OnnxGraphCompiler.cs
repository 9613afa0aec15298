using System.Text;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.Onnx.Import;

/// <summary>Turns a checked <see cref="ModelProto"/> into an <see cref="OnnxExecutionPlan"/> and the module that runs it.</summary>
internal static class OnnxGraphCompiler
{
    public static OnnxModule Compile(ModelProto model, OnnxImportOptions options, string source)
    {
        var plan = BuildPlan(model, options, source);
        try
        {
            return new OnnxModule(plan, options.BatchNormStatistics);
        }
        finally
        {
            foreach (var stored in plan.Stored)
                stored.Value.Dispose();
        }
    }

    private static OnnxExecutionPlan BuildPlan(ModelProto model, OnnxImportOptions options, string source)
    {
        var graph = model.Graph;
        var opset = DefaultOpset(model, source);
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer)
            initializers[initializer.Name] = initializer;

        var inputName = ChooseInput(graph, initializers, options.InputName, source);
        var nodes = TopologicalOrder(graph, inputName, initializers, source);
        var outputName = ChooseOutput(graph, nodes, initializers, inputName, options.OutputName, source);
        nodes = NodesNeededFor(outputName, nodes);
        RejectUnsupported(nodes, source);

        var nodeNames = UniqueNodeNames(nodes);
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        int SlotOf(string tensor) => tensor.Length == 0 ? -1 : slots.TryGetValue(tensor, out var s) ? s : slots[tensor] = slots.Count;
        var inputSlot = SlotOf(inputName);

        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in nodes)
            foreach (var output in node.Output.Where(o => o.Length > 0))
                producers[output] = node;

        var constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var stored = new List<OnnxStoredValue>();
        var moduleNames = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<OnnxExecutionStep>();
        var layers = new List<OnnxLayerPlan>();
        try
        {
            var learnable = LearnableInitializers(nodes, initializers, producers);
            foreach (var name in nodes.SelectMany(n => n.Input).Where(initializers.ContainsKey).Distinct())
            {
                var tensor = OnnxTensorConversion.ToTorch(initializers[name], options.ExternalDataDirectory);
                constants[name] = tensor;
                stored.Add(new OnnxStoredValue(SlotOf(name), UniqueModuleName(name, moduleNames), learnable.Contains(name), name, tensor));
            }

            for (var index = 0; index < nodes.Count; index++)
            {
                var node = nodes[index];
                var context = new OnnxNodeContext(node, index, nodeNames[index], opset, source,
                    tensor => constants.TryGetValue(tensor, out var t) ? t.shape : null);
                if (node.OpType == OnnxOperatorSet.ConstantOp)
                {
                    var value = ConstantValue(context);
                    RejectUnread(context);
                    constants[node.Output[0]] = value;
                    stored.Add(new OnnxStoredValue(SlotOf(node.Output[0]), UniqueModuleName(node.Output[0], moduleNames), false, null, value));
                    continue;
                }

                OnnxOperatorSet.TryGetConverter(node.OpType, out var converter);
                var op = converter(context);
                RejectUnread(context);
                steps.Add(new OnnxExecutionStep(op, index, context.Name, node.OpType,
                    node.Input.Select(SlotOf).ToArray(), node.Output.Select(SlotOf).ToArray(), []));

                var owned = node.Input.Where(learnable.Contains).Distinct()
                    .Where(name => !layers.Any(l => l.InitializerNames.Contains(name))).ToArray();
                if (owned.Length > 0)
                {
                    var parameterNames = owned.Select(name => stored.First(s => s.InitializerName == name).ModuleName).ToArray();
                    layers.Add(new OnnxLayerPlan(index, context.Name, node.OpType, owned, parameterNames));
                }
            }
        }
        catch
        {
            foreach (var value in stored)
                value.Value.Dispose();
            throw;
        }

        var outputSlot = SlotOf(outputName);
        return new OnnxExecutionPlan
        {
            Steps = WithReleases(steps, stored.Select(s => s.Slot).Append(inputSlot).Append(outputSlot).ToHashSet()),
            Stored = stored,
            Layers = layers,
            SlotCount = slots.Count,
            InputSlot = inputSlot,
            OutputSlot = outputSlot,
            InputName = inputName,
            OutputName = outputName,
        };
    }

    private static long DefaultOpset(ModelProto model, string source)
    {
        var entry = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (entry is null)
            throw new OnnxImportException($"'{source}' imports no version of the default ONNX operator set (opset_import has no entry for domain \"\").") { ModelSource = source };
        return entry.Version;
    }

    private static string ChooseInput(GraphProto graph, Dictionary<string, TensorProto> initializers, string? requested, string source)
    {
        // Before IR 4 every initializer was also listed as a graph input (as its default value).
        var inputs = graph.Input.Select(i => i.Name).Where(n => !initializers.ContainsKey(n)).ToArray();
        if (requested is not null)
        {
            if (!inputs.Contains(requested))
                throw new OnnxImportException($"'{source}' has no graph input '{requested}' (inputs: {string.Join(", ", inputs)}).") { ModelSource = source };
            return requested;
        }
        return inputs.Length == 1
            ? inputs[0]
            : throw new OnnxImportException(
                $"'{source}' has {inputs.Length} graph inputs ({string.Join(", ", inputs)}); the imported module takes one: set OnnxImportOptions.InputName.")
            { ModelSource = source };
    }

    private static string ChooseOutput(GraphProto graph, List<NodeProto> nodes, Dictionary<string, TensorProto> initializers, string inputName, string? requested, string source)
    {
        if (requested is null)
        {
            return graph.Output.Count == 1
                ? graph.Output[0].Name
                : throw new OnnxImportException(
                    $"'{source}' has {graph.Output.Count} graph outputs ({string.Join(", ", graph.Output.Select(o => o.Name))}); the imported module returns one: set OnnxImportOptions.OutputName.")
                { ModelSource = source };
        }
        var known = requested == inputName || initializers.ContainsKey(requested) || nodes.Any(n => n.Output.Contains(requested));
        return known
            ? requested
            : throw new OnnxImportException($"'{source}' has no tensor named '{requested}' to return.") { ModelSource = source };
    }

    /// <summary>Kahn's algorithm; the file order is kept where it is already valid, as the ONNX spec requires it to be.</summary>
    private static List<NodeProto> TopologicalOrder(GraphProto graph, string inputName, Dictionary<string, TensorProto> initializers, string source)
    {
        var available = new HashSet<string>(initializers.Keys, StringComparer.Ordinal) { inputName, "" };
        foreach (var input in graph.Input)
            available.Add(input.Name);
        var pending = graph.Node.ToList();
        var ordered = new List<NodeProto>(pending.Count);
        while (pending.Count > 0)
        {
            var ready = pending.FindIndex(n => n.Input.All(available.Contains));
            if (ready < 0)
            {
                var stuck = pending[0];
                var missing = stuck.Input.First(i => !available.Contains(i));
                throw new OnnxImportException(
                    $"{stuck.OpType} node '{stuck.Name}': input '{missing}' is produced by no node, initializer or graph input (or the graph has a cycle).")
                { ModelSource = source, OpType = stuck.OpType, NodeName = stuck.Name, AttributeName = missing };
            }
            var node = pending[ready];
            pending.RemoveAt(ready);
            ordered.Add(node);
            available.UnionWith(node.Output);
        }
        return ordered;
    }

    private static List<NodeProto> NodesNeededFor(string output, List<NodeProto> ordered)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal) { output };
        var kept = new List<NodeProto>();
        for (var i = ordered.Count - 1; i >= 0; i--)
        {
            if (!ordered[i].Output.Any(wanted.Contains))
                continue;
            kept.Add(ordered[i]);
            wanted.UnionWith(ordered[i].Input);
        }
        kept.Reverse();
        return kept;
    }

    private static void RejectUnsupported(List<NodeProto> nodes, string source)
    {
        var unsupported = nodes
            .Where(n => n.Domain is not ("" or "ai.onnx") || n.OpType != OnnxOperatorSet.ConstantOp && !OnnxOperatorSet.TryGetConverter(n.OpType, out _))
            .ToArray();
        if (unsupported.Length == 0)
            return;
        var first = unsupported[0];
        var domain = first.Domain is "" or "ai.onnx" ? "" : $" (domain '{first.Domain}')";
        var others = unsupported.Select(n => n.OpType).Distinct().ToArray();
        throw new OnnxImportException(
            $"{first.OpType} node '{first.Name}'{domain}: operator {first.OpType} is not supported by the importer" +
            (others.Length > 1 ? $" (unsupported operators in this graph: {string.Join(", ", others)})" : "") +
            $". Supported: {string.Join(", ", OnnxOperatorSet.Supported)}.")
        { ModelSource = source, OpType = first.OpType, NodeName = first.Name };
    }

    private static void RejectUnread(OnnxNodeContext context)
    {
        var unread = context.UnreadAttributes.FirstOrDefault();
        if (unread is not null)
            throw context.Error($"the attribute is not supported by the importer for {context.OpType} (opset {context.Opset}).", unread);
    }

    private static string[] UniqueNodeNames(List<NodeProto> nodes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = new string[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var name = nodes[i].Name.Length > 0 ? nodes[i].Name : $"{nodes[i].OpType}_{i}";
            var unique = name;
            for (var n = 2; !seen.Add(unique); n++)
                unique = $"{name}_{n}";
            names[i] = unique;
        }
        return names;
    }

    /// <summary>TorchSharp, like PyTorch, rejects '.' in parameter names; ONNX names often have dots and slashes.</summary>
    private static string UniqueModuleName(string onnxName, HashSet<string> taken)
    {
        var builder = new StringBuilder(onnxName.Length);
        foreach (var c in onnxName)
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
            builder.Insert(0, '_');
        var name = builder.ToString();
        var unique = name;
        for (var n = 2; !taken.Add(unique); n++)
            unique = $"{name}_{n}";
        return unique;
    }

    private static HashSet<string> LearnableInitializers(List<NodeProto> nodes, Dictionary<string, TensorProto> initializers, Dictionary<string, NodeProto> producers)
    {
        var learnable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                var name = node.Input[i];
                if (!initializers.TryGetValue(name, out var proto) || !IsFloat(proto))
                    continue;
                var other = node.Input.Count == 2 ? node.Input[1 - i] : null;
                var producer = other is not null && producers.TryGetValue(other, out var p) ? p.OpType : null;
                if (OnnxOperatorSet.IsLearnableInput(node.OpType, i, producer))
                    learnable.Add(name);
            }
        }
        return learnable;
    }

    private static bool IsFloat(TensorProto proto) => (TensorProto.Types.DataType)proto.DataType is
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16;

    private static Tensor ConstantValue(OnnxNodeContext context)
    {
        if (context.GetTensor("value") is { } proto)
            return OnnxTensorConversion.ToTorch(proto, null);
        if (context.Has("value_float"))
            return torch.tensor(context.GetFloat("value_float", 0f));
        if (context.GetFloats("value_floats") is { } floats)
            return torch.tensor(floats);
        if (context.GetIntOrNull("value_int") is { } integer)
            return torch.tensor(integer);
        if (context.GetInts("value_ints") is { } integers)
            return torch.tensor(integers);
        var given = context.Node.Attribute.Select(a => a.Name).FirstOrDefault() ?? "(none)";
        throw context.Error("expected a 'value', 'value_float(s)' or 'value_int(s)' attribute (sparse and string constants are not supported).", given);
    }

    private static IReadOnlyList<OnnxExecutionStep> WithReleases(List<OnnxExecutionStep> steps, HashSet<int> kept)
    {
        var lastUse = new Dictionary<int, int>();
        for (var i = 0; i < steps.Count; i++)
        {
            foreach (var slot in steps[i].OutputSlots.Where(s => s >= 0))
                lastUse[slot] = i;
            foreach (var slot in steps[i].InputSlots.Where(s => s >= 0))
                lastUse[slot] = i;
        }
        var releases = lastUse.Where(p => !kept.Contains(p.Key)).ToLookup(p => p.Value, p => p.Key);
        return steps.Select((step, i) => step with { ReleaseAfter = releases[i].ToArray() }).ToArray();
    }
}
