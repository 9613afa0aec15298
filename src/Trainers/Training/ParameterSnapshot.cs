using TorchSharp;
using static TorchSharp.torch;

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
            copies[name] = value.detach().clone().DetachFromDisposeScope();
        return new ParameterSnapshot(copies);
    }

    public void RestoreInto(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (name, value) in module.state_dict())
            value.copy_(_tensors[name]);
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
            tensor.Dispose();
        _tensors.Clear();
    }
}
