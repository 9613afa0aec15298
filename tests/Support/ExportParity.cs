using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Tests.Support;

/// <summary>Runs the same random rows through a TorchSharp network and through its exported ONNX graph.</summary>
internal static class ExportParity
{
    /// <summary>The largest difference tolerated between TorchSharp and ONNX Runtime outputs.</summary>
    public const float Tolerance = 1e-5f;

    /// <summary>The cases of a parity theory: every network × folding on and off × every batch size.</summary>
    public static TheoryData<string, bool, int> Cases(IEnumerable<string> networks, params int[] batchSizes)
    {
        var cases = new TheoryData<string, bool, int>();
        foreach (var network in networks)
        {
            foreach (var fold in new[] { true, false })
            {
                foreach (var batchSize in batchSizes)
                    cases.Add(network, fold, batchSize);
            }
        }
        return cases;
    }

    /// <summary>
    /// Builds the network of one parity case (seeded), checks it agrees with its export to <see cref="Tolerance"/> and
    /// writes the difference to <paramref name="output"/>.
    /// </summary>
    public static void AssertCase(
        ITestOutputHelper output, string network, (Func<nn.Module<Tensor, Tensor>> Create, long[] InputShape) definition, bool foldBatchNorm, int batchSize)
    {
        var module = TestNetworks.Build(definition.Create);

        var difference = MaxDifference(module, definition.InputShape, batchSize, new OnnxExportOptions { FoldBatchNorm = foldBatchNorm });

        output.WriteLine($"{network} fold={foldBatchNorm} batch={batchSize}: max |torch - onnx| = {difference:E2}");
        Assert.InRange(difference, 0f, Tolerance);
    }

    /// <summary>
    /// Exports <paramref name="network"/>, scores <paramref name="batchSize"/> random rows (seeded) with both runtimes in eval
    /// mode, checks the output shapes agree and returns the largest absolute difference.
    /// </summary>
    public static float MaxDifference(nn.Module<Tensor, Tensor> network, long[] inputShape, int batchSize, OnnxExportOptions? options = null, int seed = 7)
    {
        options ??= new OnnxExportOptions();
        var model = TorchSharpOnnxExporter.Export(network, inputShape, options).ToByteArray();
        var rows = RandomRows(inputShape, batchSize, seed);
        var (expected, expectedShape) = RunTorch(network, rows, [batchSize, .. inputShape]);
        var (actual, actualShape) = RunOnnx(model, options, rows, [batchSize, .. inputShape]);
        Assert.Equal(expectedShape, actualShape);
        return MaxAbsoluteDifference(expected, actual);
    }

    /// <summary>Normal random values (scale 2, so activations see both signs well away from 0), seeded.</summary>
    public static float[] RandomRows(long[] inputShape, int batchSize, int seed)
    {
        torch.manual_seed(seed);
        using var rows = torch.randn([batchSize, .. inputShape]) * 2;
        return rows.data<float>().ToArray();
    }

    /// <summary>The network's output for <paramref name="rows"/>, in eval mode without gradients, and its shape.</summary>
    public static (float[] Values, long[] Shape) RunTorch(nn.Module<Tensor, Tensor> network, float[] rows, long[] shape)
    {
        network.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = network.forward(torch.tensor(rows, shape));
        return (output.data<float>().ToArray(), output.shape);
    }

    /// <summary>The ONNX graph's output for <paramref name="rows"/>, scored by ONNX Runtime, and its shape.</summary>
    public static (float[] Values, long[] Shape) RunOnnx(byte[] model, OnnxExportOptions options, float[] rows, long[] shape)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor(rows, shape.Select(dim => (int)dim).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(options.InputName, input)]);
        var output = results.Single(result => result.Name == options.OutputName).AsTensor<float>();
        return (output.ToArray(), output.Dimensions.ToArray().Select(dim => (long)dim).ToArray());
    }

    /// <summary>The largest |a[i] - b[i]|; the arrays must have the same length.</summary>
    public static float MaxAbsoluteDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
