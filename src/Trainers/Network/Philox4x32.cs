using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the Random123 library):
/// a counter-based generator that maps a 128-bit counter and a 64-bit key to four 32-bit outputs through ten
/// multiply-and-xor rounds. It passes TestU01's BigCrush, and it is the generator CUDA PyTorch and cuRAND draw dropout
/// masks from. Being a pure function of counter and key, it needs no state beyond the key, and blocks can be computed
/// in any order, so <see cref="Fill"/> computes four at a time in vector registers.
/// </summary>
internal static class Philox4x32
{
    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint KeyBump0 = 0x9E3779B9;
    private const uint KeyBump1 = 0xBB67AE85;

    /// <summary>The four outputs of counter (c0, c1, c2, c3) under key (k0, k1), in Random123's order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint, uint, uint, uint) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            ulong product0 = (ulong)Multiplier0 * c0;
            ulong product1 = (ulong)Multiplier1 * c2;
            uint next0 = (uint)(product1 >> 32) ^ c1 ^ k0;
            uint next2 = (uint)(product0 >> 32) ^ c3 ^ k1;
            c1 = (uint)product1;
            c3 = (uint)product0;
            c0 = next0;
            c2 = next2;
            k0 += KeyBump0;
            k1 += KeyBump1;
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>
    /// Fills <paramref name="output"/> with draws under <paramref name="key"/>, from counters (b, 0, 0, 0) for blocks
    /// b = 0, 1, …. The order is the one four blocks computed side by side give: element 16g + 4w + l is word w of
    /// block 4g + l; the vector path and the scalar one give the same values.
    /// </summary>
    public static void Fill(Span<uint> output, ulong key)
    {
        uint k0 = (uint)key, k1 = (uint)(key >> 32);
        int done = Avx2.IsSupported ? FillVector(output, k0, k1) : 0;
        Span<uint> group = stackalloc uint[16];
        for (int start = done; start < output.Length; start += 16)
        {
            uint block = (uint)(start / 4);
            for (uint l = 0; l < 4; l++)
            {
                var (w0, w1, w2, w3) = Block(block + l, 0, 0, 0, k0, k1);
                group[(int)l] = w0;
                group[4 + (int)l] = w1;
                group[8 + (int)l] = w2;
                group[12 + (int)l] = w3;
            }
            int count = Math.Min(16, output.Length - start);
            group[..count].CopyTo(output.Slice(start, count));
        }
    }

    // Four blocks per Vector256<ulong>, each 32-bit word in the low half of a 64-bit lane: vpmuludq multiplies exactly
    // those halves, and what the upper halves collect never reaches a low half (xor is bitwise, the multiply reads the
    // low halves only, and the high word of a product is shifted down before it is used). Two groups of four blocks go
    // through the rounds side by side: one group's rounds are a chain of dependent multiplies, and two chains keep
    // the multiplier busy.
    private static int FillVector(Span<uint> output, uint k0, uint k1)
    {
        var multiplier0 = Vector256.Create((ulong)Multiplier0).AsUInt32();
        var multiplier1 = Vector256.Create((ulong)Multiplier1).AsUInt32();
        Span<Vector256<ulong>> keys = stackalloc Vector256<ulong>[20];
        for (int round = 0; round < 10; round++)
        {
            keys[2 * round] = Vector256.Create((ulong)(k0 + (uint)round * KeyBump0));
            keys[2 * round + 1] = Vector256.Create((ulong)(k1 + (uint)round * KeyBump1));
        }
        var lanes = Vector256.Create(0UL, 1, 2, 3);
        var nextGroup = Vector256.Create(4UL);
        int start = 0;
        for (; start <= output.Length - 32; start += 32)
        {
            var a0 = Vector256.Create((ulong)(uint)(start / 4)) + lanes;
            var b0 = a0 + nextGroup;
            Vector256<ulong> a1 = default, a2 = default, a3 = default, b1 = default, b2 = default, b3 = default;
            for (int round = 0; round < 10; round++)
            {
                var key0 = keys[2 * round];
                var key1 = keys[2 * round + 1];
                var pa0 = Avx2.Multiply(multiplier0, a0.AsUInt32());
                var pa1 = Avx2.Multiply(multiplier1, a2.AsUInt32());
                var pb0 = Avx2.Multiply(multiplier0, b0.AsUInt32());
                var pb1 = Avx2.Multiply(multiplier1, b2.AsUInt32());
                a0 = (pa1 >>> 32) ^ a1 ^ key0;
                a2 = (pa0 >>> 32) ^ a3 ^ key1;
                a1 = pa1;
                a3 = pa0;
                b0 = (pb1 >>> 32) ^ b1 ^ key0;
                b2 = (pb0 >>> 32) ^ b3 ^ key1;
                b1 = pb1;
                b3 = pb0;
            }
            Vector256.Narrow(a0, a1).CopyTo(output.Slice(start, 8));
            Vector256.Narrow(a2, a3).CopyTo(output.Slice(start + 8, 8));
            Vector256.Narrow(b0, b1).CopyTo(output.Slice(start + 16, 8));
            Vector256.Narrow(b2, b3).CopyTo(output.Slice(start + 24, 8));
        }
        return start;
    }
}
