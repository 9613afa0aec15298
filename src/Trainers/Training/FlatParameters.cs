using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Lays a network's trainable parameters out as views into one contiguous tensor, and their gradients as views into
/// one flat gradient tensor, so the optimizer updates a single tensor per step. TorchSharp's optimizers are written
/// in C# and issue about a dozen native calls per parameter tensor per step; over one flat tensor that is a dozen in
/// all (Adam was a third of a batch-32 step before, see BENCHMARKS.md figure 1b). Every optimizer kind is
/// elementwise, so updating the concatenation is the same arithmetic as updating the pieces.
/// </summary>
/// <remarks>
/// Build it after <c>network.to(device)</c>: moving a module to another device replaces its parameters and would
/// cut them loose from the buffer. Gradients must be cleared with <see cref="ZeroGradients"/>, never with
/// <c>Module.zero_grad()</c>, whose set-to-none drops the gradient views, after which backward would allocate
/// fresh gradients the optimizer never sees. Parameters that do not require a gradient (frozen layers) stay
/// outside, as a per-tensor optimizer skips them too.
/// </remarks>
internal sealed class FlatParameters : IDisposable
{
    private readonly Parameter _flat;
    private readonly Tensor _gradient;

    private FlatParameters(Parameter flat, Tensor gradient, int count)
    {
        _flat = flat;
        _gradient = gradient;
        Count = count;
    }

    /// <summary>The single parameter to give the optimizer; its gradient is the flat gradient tensor.</summary>
    public Parameter Parameter => _flat;

    /// <summary>How many parameter tensors the buffer holds.</summary>
    public int Count { get; }

    /// <summary>The number of values in the buffer, the sum of the parameters' element counts.</summary>
    public long Length => _flat.numel();

    /// <summary>Moves <paramref name="network"/>'s trainable parameters into one buffer; their values are unchanged.</summary>
    /// <exception cref="ArgumentException">The network has no trainable parameter, or they differ in type or device.</exception>
    public static FlatParameters Create(nn.Module network)
    {
        var parameters = network.parameters().Where(p => p.requires_grad).ToList();
        if (parameters.Count == 0)
            throw new ArgumentException("The network has no trainable parameters.", nameof(network));
        var dtype = parameters[0].dtype;
        var device = parameters[0].device;
        if (parameters.FirstOrDefault(p => p.dtype != dtype || p.device.ToString() != device.ToString()) is { } odd)
        {
            throw new ArgumentException(
                $"All trainable parameters must share one type and device to share a buffer; found {dtype} on {device} and {odd.dtype} on {odd.device}.",
                nameof(network));
        }

        long total = parameters.Sum(p => p.numel());
        // Owned by this object, not by any dispose scope the caller may be in.
        var flat = new Parameter(zeros(total, dtype, device), requires_grad: true);
        flat.DetachFromDisposeScope();
        var gradient = zeros(total, dtype, device).DetachFromDisposeScope();
        using (no_grad())
        using (NewDisposeScope())
        {
            long offset = 0;
            foreach (var parameter in parameters)
            {
                long n = parameter.numel();
                var values = flat.narrow(0, offset, n).view(parameter.shape);
                values.copy_(parameter);
                parameter.set_(values);
                // Backward adds into a gradient that exists, in place, so the views stay views.
                parameter.grad = gradient.narrow(0, offset, n).view(parameter.shape);
                offset += n;
            }
        }
        flat.grad = gradient;
        return new FlatParameters(flat, gradient, parameters.Count);
    }

    /// <summary>Zeroes every gradient in one call, keeping the gradient views in place.</summary>
    public void ZeroGradients() => _gradient.zero_();

    /// <summary>Frees this object's handles; the parameters keep the buffer's storage alive as long as they live.</summary>
    public void Dispose()
    {
        _flat.Dispose();
        _gradient.Dispose();
    }
}
