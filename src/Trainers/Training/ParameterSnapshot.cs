using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>A detached copy of a module's parameters and buffers (BN running statistics included), to restore later.</summary>
internal sealed class ParameterSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    private ParameterSnapshot(Dictionary<string, Tensor> tensors) => _tensors = tensors;

    public static ParameterSnapshot Capture(nn.Module module)
    {
        using var _ = no_grad();
        var copies = new Dictionary<string, Tensor>();
        foreach (var (name, value) in module.state_dict())
        {
            // detach() makes a new tensor handle of its own: disposed here, it does not wait for the finalizer.
            using var detached = value.detach();
            copies[name] = detached.clone().DetachFromDisposeScope();
        }
        return new ParameterSnapshot(copies);
    }

    public void RestoreInto(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (name, value) in module.state_dict())
            value.copy_(_tensors[name]);
    }

    /// <summary>Writes the tensors in a fixed (name-sorted) order.</summary>
    public void Save(BinaryWriter writer)
    {
        var names = _tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        writer.Write(names.Count);
        foreach (var name in names)
        {
            writer.Write(name);
            _tensors[name].Save(writer);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote into a snapshot shaped like <paramref name="template"/>, which it reuses.</summary>
    public static ParameterSnapshot Load(BinaryReader reader, ParameterSnapshot template)
    {
        int count = reader.ReadInt32();
        if (count != template._tensors.Count)
            throw new InvalidDataException($"The saved weights have {count} tensors; the network has {template._tensors.Count}.");
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            if (!template._tensors.TryGetValue(name, out var tensor))
                throw new InvalidDataException($"The saved weights have a tensor '{name}' that the network lacks.");
            tensor.Load(reader);
        }
        return template;
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
            tensor.Dispose();
        _tensors.Clear();
    }
}
