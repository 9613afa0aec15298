using Google.Protobuf;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>
/// Every supported layer and placement, exported and scored by ONNX Runtime, agrees with TorchSharp in eval mode to 1e-5,
/// with folding on and off and for batches of 1 and 7 rows (the batch dimension is symbolic).
/// </summary>
public sealed class ExportParityTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, (Func<nn.Module<Tensor, Tensor>> Create, long[] InputShape)> Networks = new()
    {
        ["relu"] = (() => Mlp(nn.ReLU()), [6]),
        ["leaky-relu"] = (() => Mlp(nn.LeakyReLU(0.2)), [6]),
        ["prelu-scalar"] = (() => Mlp(nn.PReLU(1)), [6]),
        ["prelu-per-feature"] = (() => Mlp(nn.PReLU(8)), [6]),
        ["elu"] = (() => Mlp(nn.ELU(0.7)), [6]),
        ["selu"] = (() => Mlp(nn.SELU()), [6]),
        ["celu"] = (() => Mlp(nn.CELU(1.3)), [6]),
        ["gelu-exact"] = (() => Mlp(nn.GELU()), [6]),
        ["gelu-tanh"] = (() => Mlp(nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh)), [6]),
        ["silu"] = (() => Mlp(nn.SiLU()), [6]),
        ["tanh"] = (() => Mlp(nn.Tanh()), [6]),
        ["sigmoid"] = (() => Mlp(nn.Sigmoid()), [6]),
        ["softmax-head"] = (() => nn.Sequential(Mlp(nn.ReLU()), nn.Softmax(1)), [6]),
        ["log-softmax-head"] = (() => nn.Sequential(Mlp(nn.ReLU()), nn.LogSoftmax(-1)), [6]),
        ["regression-head"] = (() => nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1), nn.Linear(1, 1)), [6]),
        ["bn-before-activation"] = (() => nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)), [6]),
        ["bn-after-activation"] = (() => nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 3)), [6]),
        ["bn-input"] = (() => nn.Sequential(nn.BatchNorm1d(6), nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)), [6]),
        ["bn-between-activations"] = (() => nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)), [6]),
        ["bn-on-both-sides-no-bias"] = (() => nn.Sequential(nn.BatchNorm1d(6), nn.Dropout(0.1), nn.Linear(6, 8, hasBias: false), nn.BatchNorm1d(8), nn.ELU(), nn.Linear(8, 3)), [6]),
        ["bn-not-affine"] = (() => nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8, affine: false), nn.SiLU(), nn.Linear(8, 3)), [6]),
        ["bn-twice"] = (() => nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)), [6]),
        ["dropouts"] = (() => nn.Sequential(nn.Linear(6, 8), nn.Dropout(0.5), nn.SELU(), nn.AlphaDropout(0.3), nn.FeatureAlphaDropout(0.2), nn.Identity(), nn.Linear(8, 3)), [6]),
        ["only-identities"] = (() => nn.Sequential(nn.Dropout(0.5), nn.Identity()), [6]),
        ["nested"] = (() => nn.Sequential(
            nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.GELU()),
            nn.Sequential(("head", nn.Sequential(nn.Dropout(0.2), nn.Linear(8, 3))), ("probabilities", nn.Softmax(1)))), [6]),
        ["single-linear"] = (() => nn.Linear(6, 3), [6]),
        ["flatten"] = (() => nn.Sequential(nn.Flatten(), nn.Linear(24, 5), nn.ReLU(), nn.Linear(5, 2)), [2, 3, 4]),
        ["flatten-partial-and-linear-on-3d"] = (() => nn.Sequential(nn.Flatten(2, 3), nn.Linear(12, 4), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2)), [2, 3, 4]),
        ["bn-and-prelu-on-channels"] = (() => nn.Sequential(nn.BatchNorm1d(4), nn.PReLU(4), nn.Dropout1d(0.4), nn.Linear(5, 3), nn.Flatten(), nn.Linear(12, 2), nn.Softmax(-1)), [4, 5]),
    };

    /// <summary>Every network × folding on/off × batch size 1 and 7.</summary>
    public static TheoryData<string, bool, int> Cases() => ExportParity.Cases(Networks.Keys, 1, 7);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportedGraphMatchesTorchSharp(string network, bool foldBatchNorm, int batchSize) =>
        ExportParity.AssertCase(output, network, Networks[network], foldBatchNorm, batchSize);

    [Theory]
    [InlineData(13, "gelu-exact")]
    [InlineData(13, "softmax-head")]
    [InlineData(20, "gelu-exact")]
    [InlineData(20, "gelu-tanh")]
    [InlineData(21, "bn-between-activations")]
    public void OtherOpsetsMatchTorchSharp(int opset, string network)
    {
        var (create, inputShape) = Networks[network];
        var module = TestNetworks.Build(create);

        var difference = ExportParity.MaxDifference(module, inputShape, 7, new OnnxExportOptions { Opset = opset });

        output.WriteLine($"{network} opset={opset}: max |torch - onnx| = {difference:E2}");
        Assert.InRange(difference, 0f, ExportParity.Tolerance);
    }

    [Fact]
    public void NetworkInTrainingModeIsExportedInEvalModeAndLeftInTrainingMode()
    {
        var module = TestNetworks.Build(Networks["bn-after-activation"].Create);
        module.train();
        var model = TorchSharpOnnxExporter.Export(module, [6]);
        Assert.True(module.training);

        var rows = ExportParity.RandomRows([6], 7, seed: 3);
        var (expected, _) = ExportParity.RunTorch(module, rows, [7, 6]);
        var (actual, _) = ExportParity.RunOnnx(model.ToByteArray(), new OnnxExportOptions(), rows, [7, 6]);
        Assert.InRange(ExportParity.MaxAbsoluteDifference(expected, actual), 0f, ExportParity.Tolerance);
    }

    /// <summary>Linear(6, 8) → activation → Linear(8, 3): the activation sees a spread of positive and negative values.</summary>
    private static nn.Module<Tensor, Tensor> Mlp(nn.Module<Tensor, Tensor> activation) =>
        nn.Sequential(nn.Linear(6, 8), activation, nn.Linear(8, 3));
}
