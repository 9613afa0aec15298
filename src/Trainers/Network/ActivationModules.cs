using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Network;

/// <summary>Creates the TorchSharp module for an <see cref="ActivationFunction"/>.</summary>
internal static class ActivationModules
{
    /// <summary>Keras' and PyTorch's default LeakyReLU slopes differ (0.3 vs 0.01); we take PyTorch's, which Géron also cites.</summary>
    public const double DefaultLeakyAlpha = 0.01;

    public const double DefaultEluAlpha = 1.0;

    public static nn.Module<Tensor, Tensor> Create(ActivationFunction activation, double? alpha, long width) => activation switch
    {
        ActivationFunction.ReLU => nn.ReLU(),
        ActivationFunction.LeakyReLU => nn.LeakyReLU(alpha ?? DefaultLeakyAlpha),
        // One learned slope per unit, as Keras' PReLU layer has; PyTorch's default of a single shared slope is weaker.
        ActivationFunction.PReLU => nn.PReLU(width, 0.25),
        ActivationFunction.ELU => nn.ELU(alpha ?? DefaultEluAlpha),
        ActivationFunction.SELU => nn.SELU(),
        ActivationFunction.GELU => nn.GELU(),
        ActivationFunction.Swish => nn.SiLU(),
        ActivationFunction.Tanh => nn.Tanh(),
        ActivationFunction.Sigmoid => nn.Sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation function."),
    };

    /// <summary>The initializer <see cref="WeightInitializer.Auto"/> stands for, given the activation.</summary>
    public static WeightInitializer DefaultInitializer(ActivationFunction activation) => activation switch
    {
        ActivationFunction.SELU => WeightInitializer.LeCunNormal,
        ActivationFunction.Tanh or ActivationFunction.Sigmoid => WeightInitializer.GlorotUniform,
        _ => WeightInitializer.HeNormal,
    };
}
