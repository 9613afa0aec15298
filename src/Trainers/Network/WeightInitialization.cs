using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Network;

/// <summary>Draws dense-layer weights from the distribution an initializer names, using a seeded generator.</summary>
internal static class WeightInitialization
{
    /// <summary>The standard deviation (normal) or half-width (uniform) of the distribution.</summary>
    public static double Scale(WeightInitializer initializer, long fanIn, long fanOut) => initializer switch
    {
        WeightInitializer.HeNormal => Math.Sqrt(2.0 / fanIn),
        WeightInitializer.HeUniform => Math.Sqrt(6.0 / fanIn),
        WeightInitializer.GlorotNormal => Math.Sqrt(2.0 / (fanIn + fanOut)),
        WeightInitializer.GlorotUniform => Math.Sqrt(6.0 / (fanIn + fanOut)),
        WeightInitializer.LeCunNormal => Math.Sqrt(1.0 / fanIn),
        _ => throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "Resolve Auto before drawing weights."),
    };

    public static bool IsUniform(WeightInitializer initializer) =>
        initializer is WeightInitializer.HeUniform or WeightInitializer.GlorotUniform;

    /// <summary>Overwrites <paramref name="weight"/> ([fan_out, fan_in], as torch stores it) in place.</summary>
    public static void Initialize(Tensor weight, WeightInitializer initializer, Generator generator)
    {
        long fanOut = weight.shape[0], fanIn = weight.shape[1];
        double scale = Scale(initializer, fanIn, fanOut);
        using var _ = no_grad();
        using var drawn = IsUniform(initializer)
            ? rand(weight.shape, dtype: weight.dtype, generator: generator).mul_(2 * scale).sub_(scale)
            : randn(weight.shape, dtype: weight.dtype, generator: generator).mul_(scale);
        weight.copy_(drawn);
    }
}
