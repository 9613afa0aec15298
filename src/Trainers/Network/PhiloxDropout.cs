using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// Dropout for the training step on the CPU, with its mask drawn from <see cref="Philox4x32"/> instead of libtorch's
/// <c>bernoulli_</c>. ATen's <c>bernoulli_scalar_kernel</c> uses MKL's vectorized generator only when cpuinfo reports
/// an Intel CPU; anywhere else it fills the mask in a serial loop, one 64-bit Mersenne Twister draw and a compare per
/// element, which on this project's AMD EPYC was the largest cost of the Fashion-MNIST network's step after the
/// matrix multiplies (BENCHMARKS.md section 10e). Philox's rounds run four blocks at a time in vector registers.
/// </summary>
/// <remarks>
/// The function is dropout's: each element is kept with probability 1 − p (to 2⁻³²) and scaled by 1 / (1 − p), the
/// rest are zero, and the gradient is the mask; only which elements are dropped differs from libtorch's draw. Each
/// call takes its 64-bit Philox key from torch's default generator, the one libtorch's dropout draws from, so a
/// seeded run is reproducible and a resumed run, whose checkpoint restores that generator, continues exactly.
/// Anything else (a GPU tensor, another element type, in-place or alpha dropout) runs the module. It is reached through
/// <see cref="TrainingStepLayers"/>, which the multilayer perceptron's training step uses (the DNN trainers and the image
/// estimator's phase-1 head); phase 2's fine-tuning network runs its head's own forward, and so libtorch's dropout.
/// </remarks>
internal static class PhiloxDropout
{
    /// <summary>
    /// <paramref name="input"/> through <paramref name="dropout"/> in training mode: masked by Philox where the tensor
    /// allows, else by the module itself.
    /// </summary>
    public static Tensor Forward(Dropout dropout, Tensor input)
    {
        double p = dropout.p;
        if (!dropout.training || dropout.inplace || p <= 0 || p >= 1 || input.device_type != DeviceType.CPU
            || input.dtype != ScalarType.Float32 || input.numel() > int.MaxValue / sizeof(float))
            return dropout.forward(input);
        using var mask = Mask(input.shape, 1 - p);
        return input.mul(mask);
    }

    /// <summary>A float mask of <paramref name="shape"/>: 1 / <paramref name="keep"/> with probability <paramref name="keep"/>, else 0.</summary>
    internal static Tensor Mask(long[] shape, double keep)
    {
        ulong key;
        using (var draw = randint(0, long.MaxValue, new long[] { 1 }, ScalarType.Int64))
            key = (ulong)draw.item<long>();
        var mask = empty(shape, ScalarType.Float32);
        Fill(MemoryMarshal.Cast<byte, float>(mask.bytes), key, keep);
        return mask;
    }

    /// <summary>Draw i of <see cref="Philox4x32.Fill"/> under <paramref name="key"/>, thresholded, is element i of <paramref name="mask"/>.</summary>
    internal static void Fill(Span<float> mask, ulong key, double keep)
    {
        var bits = MemoryMarshal.Cast<float, uint>(mask);
        Philox4x32.Fill(bits, key);
        // A kept element is a draw below keep · 2³²; selecting with masks, not a branch on a random bit, which would
        // mispredict on a fifth of the elements at the usual rates.
        uint threshold = (uint)Math.Min(Math.Round(keep * 4294967296.0), uint.MaxValue);
        uint scale = BitConverter.SingleToUInt32Bits(1f / (float)keep);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var thresholds = Vector256.Create(threshold);
            var scales = Vector256.Create(scale);
            for (; i <= bits.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                var draws = Vector256.Create<uint>(bits.Slice(i, Vector256<uint>.Count));
                (Vector256.LessThan(draws, thresholds) & scales).CopyTo(bits.Slice(i, Vector256<uint>.Count));
            }
        }
        for (; i < bits.Length; i++)
            bits[i] = (uint)(((long)bits[i] - threshold) >> 63) & scale;
    }
}
