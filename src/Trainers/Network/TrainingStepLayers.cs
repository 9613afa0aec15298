using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// Runs a module in the training step as its own forward would, except that plain dropout layers draw their masks
/// through <see cref="PhiloxDropout"/>. <c>Sequential</c>s are walked here, as <c>Sequential.forward</c> walks them, so
/// the dropout layers inside the multilayer perceptron's blocks are reached; any other module runs its own forward.
/// </summary>
internal static class TrainingStepLayers
{
    /// <summary><paramref name="input"/> through <paramref name="module"/>, which is in training mode.</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> module, Tensor input) => module switch
    {
        Dropout dropout => PhiloxDropout.Forward(dropout, input),
        Sequential sequential => Chain(sequential, input),
        _ => module.call(input),
    };

    private static Tensor Chain(Sequential sequential, Tensor input)
    {
        var output = input;
        foreach (var (_, child) in sequential.named_children())
        {
            var next = Forward((nn.Module<Tensor, Tensor>)child, output);
            // Intermediate handles go as Sequential.forward lets them go; autograd keeps what it needs.
            if (!ReferenceEquals(output, input))
                output.Dispose();
            output = next;
        }
        return ReferenceEquals(output, input) ? input.alias() : output;
    }
}
