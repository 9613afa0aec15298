using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Modules;

/// <summary>
/// A skip connection, which a Sequential cannot express: y = activation(main(x) + shortcut(x)). The shortcut is the identity
/// when none is given; the activation is left out when none is given.
/// </summary>
/// <remarks>
/// <para>
/// A ResNet basic block is <c>new ResidualBlock(Sequential(conv3x3, bn, relu, conv3x3, bn), shortcut, ReLU())</c>, the shortcut
/// being null (or <see cref="TorchSharp.Modules.Identity"/>) where the shape is kept, and a 1x1 Conv2d with the main branch's
/// stride followed by a BatchNorm2d where it changes. Both branches must produce the same shape: the sum does not broadcast.
/// </para>
/// <para>
/// The children are registered as "main", "shortcut" and "activation", so parameters are named "main.0.weight" and so on.
/// <see cref="Onnx.Export.TorchSharpOnnxExporter"/> exports the block: each branch as it would export a network (batch norms fold
/// within a branch), then an Add node and the activation.
/// </para>
/// </remarks>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the block; the modules become its children.</summary>
    /// <param name="main">The residual branch, usually a Sequential of convolutions, norms and activations.</param>
    /// <param name="shortcut">The skip branch; null for the identity.</param>
    /// <param name="activation">Applied to the sum, e.g. ReLU; null for none.</param>
    /// <param name="name">The module's name.</param>
    public ResidualBlock(
        nn.Module<Tensor, Tensor> main, nn.Module<Tensor, Tensor>? shortcut = null, nn.Module<Tensor, Tensor>? activation = null, string name = nameof(ResidualBlock))
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(main);
        Main = main;
        Shortcut = shortcut;
        Activation = activation;
        register_module("main", main);
        if (shortcut is not null)
            register_module("shortcut", shortcut);
        if (activation is not null)
            register_module("activation", activation);
    }

    /// <summary>The residual branch.</summary>
    public nn.Module<Tensor, Tensor> Main { get; }

    /// <summary>The skip branch; null for the identity.</summary>
    public nn.Module<Tensor, Tensor>? Shortcut { get; }

    /// <summary>The activation applied to the sum; null for none.</summary>
    public nn.Module<Tensor, Tensor>? Activation { get; }

    /// <summary>activation(main(x) + shortcut(x)).</summary>
    /// <param name="input">The block's input, fed to both branches.</param>
    /// <returns>The sum of the branches, activated.</returns>
    public override Tensor forward(Tensor input)
    {
        // Frees the branch outputs' handles once summed, rather than at the caller's scope; autograd keeps what backward needs.
        using var scope = torch.NewDisposeScope();
        var sum = Main.call(input) + (Shortcut is null ? input : Shortcut.call(input));
        return scope.MoveToOuter(Activation is null ? sum : Activation.call(sum));
    }
}
