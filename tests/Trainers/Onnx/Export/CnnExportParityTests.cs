using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Onnx.Export;

namespace MLNetDeep.Trainers.Tests.Onnx.Export;

/// <summary>
/// Every CNN layer and its edge cases (odd sizes, strides with padding, dilation, groups, asymmetric and "same" padding, ceil
/// mode, count_include_pad), exported and scored by ONNX Runtime, agree with TorchSharp in eval mode to 1e-5, with folding
/// on and off and for batches of 1 and 5 rows on [N, C, H, W] inputs.
/// </summary>
public sealed class CnnExportParityTests(ITestOutputHelper output)
{
    // 13x11: odd, unequal sides, so that floor and ceil differ and height and width cannot be swapped unnoticed.
    private static readonly long[] Image = [3, 13, 11];

    private static readonly Dictionary<string, (Func<nn.Module<Tensor, Tensor>> Create, long[] InputShape)> Networks = new()
    {
        ["conv"] = (() => nn.Conv2d(3, 4, 3), Image),
        ["conv-stride-2-padding-1"] = (() => nn.Conv2d(3, 4, 3, stride: 2, padding: 1), Image),
        ["conv-rectangular"] = (() => nn.Conv2d(3, 4, (3, 2), stride: (2, 1), padding: (1, 0)), Image),
        ["conv-dilation-2"] = (() => nn.Conv2d(3, 4, 3, padding: 2, dilation: 2), Image),
        ["conv-dilation-2-stride-2"] = (() => nn.Conv2d(3, 4, 3, stride: 2, dilation: 2), Image),
        ["conv-groups-2"] = (() => nn.Conv2d(4, 6, 3, padding: 1, groups: 2), [4, 13, 11]),
        ["conv-depthwise"] = (() => nn.Conv2d(4, 4, 3, padding: 1, groups: 4), [4, 13, 11]),
        ["conv-depthwise-multiplier-2"] = (() => nn.Conv2d(4, 8, 3, stride: 2, groups: 4, bias: false), [4, 13, 11]),
        ["conv-no-bias"] = (() => nn.Conv2d(3, 4, 3, bias: false), Image),
        ["conv-1x1-stride-2"] = (() => nn.Conv2d(3, 5, 1, stride: 2), Image),
        ["conv-same-even-kernel"] = (() => nn.Conv2d(3, 4, 4, Padding.Same), Image),
        ["conv-same-dilated"] = (() => nn.Conv2d(3, 4, 2, Padding.Same, dilation: 3), Image),
        ["conv-valid"] = (() => nn.Conv2d(3, 4, 5, Padding.Valid), Image),
        ["conv-bn-relu"] = (() => nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU()), Image),
        ["conv-no-bias-dropout-bn"] = (() => nn.Sequential(nn.Conv2d(3, 4, 3, stride: 2, bias: false), nn.Dropout2d(0.3), nn.BatchNorm2d(4), nn.ReLU()), Image),
        ["depthwise-bn"] = (() => nn.Sequential(nn.Conv2d(4, 4, 3, groups: 4, bias: false), nn.BatchNorm2d(4)), [4, 13, 11]),
        ["input-bn"] = (() => nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 4, 3, padding: 1)), Image),
        ["bn-after-relu"] = (() => nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.BatchNorm2d(4, affine: false)), Image),
        ["maxpool"] = (() => nn.MaxPool2d(2), Image),
        ["maxpool-stride-2-padding-1"] = (() => nn.MaxPool2d(3, stride: 2, padding: 1), Image),
        ["maxpool-dilation-2"] = (() => nn.MaxPool2d(3, stride: 1, padding: 1, dilation: 2), Image),
        ["maxpool-ceil"] = (() => nn.MaxPool2d(2, ceil_mode: true), Image),
        ["maxpool-ceil-padding-dilation"] = (() => nn.MaxPool2d(3, stride: 2, padding: 1, dilation: 2, ceil_mode: true), Image),
        // Height 5: the last ceil-mode window would start in the end padding, so torch drops it; width 6: it overflows.
        ["maxpool-ceil-last-window-dropped"] = (() => nn.MaxPool2d(3, stride: 3, padding: 1, ceil_mode: true), [2, 5, 6]),
        ["avgpool"] = (() => nn.AvgPool2d(2), Image),
        ["avgpool-padding-include"] = (() => nn.AvgPool2d(3, stride: 2, padding: 1), Image),
        ["avgpool-padding-exclude"] = (() => nn.AvgPool2d(3, stride: 2, padding: 1, count_include_pad: false), Image),
        ["avgpool-ceil-include"] = (() => nn.AvgPool2d(2, ceil_mode: true), Image),
        ["avgpool-ceil-exclude"] = (() => nn.AvgPool2d(2, ceil_mode: true, count_include_pad: false), Image),
        // Height 12: the last window overflows the padding, which torch leaves out of the divisor though it counts the padding.
        ["avgpool-ceil-padding-include"] = (() => nn.AvgPool2d(3, stride: 2, padding: 1, ceil_mode: true), [3, 12, 11]),
        ["avgpool-ceil-padding-exclude"] = (() => nn.AvgPool2d(3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false), [3, 12, 11]),
        ["adaptive-avgpool-global"] = (() => nn.AdaptiveAvgPool2d(1), Image),
        ["adaptive-avgpool-dividing"] = (() => nn.AdaptiveAvgPool2d((4, 3)), [3, 12, 9]),
        ["adaptive-avgpool-overlapping-even"] = (() => nn.AdaptiveAvgPool2d(4), [3, 5, 5]),
        ["zeropad-asymmetric"] = (() => nn.Sequential(nn.ZeroPad2d((1, 2, 0, 3)), nn.Conv2d(3, 4, 3, stride: 2)), Image),
        ["zeropad-uniform"] = (() => nn.ZeroPad2d(2), Image),
        ["zeropad-cropping"] = (() => nn.ZeroPad2d((-1, 2, 1, -2)), Image),
        // Inputs are N(0, 4): some exceed 6, so both bounds are hit.
        ["relu6"] = (() => nn.Sequential(nn.ReLU6(), nn.Conv2d(3, 4, 3), nn.ReLU6()), Image),
        ["small-cnn"] = (() => nn.Sequential(
            nn.Conv2d(3, 8, 3, padding: 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2, ceil_mode: true),
            nn.Conv2d(8, 8, 3, stride: 2, padding: 1, groups: 2, bias: false), nn.BatchNorm2d(8), nn.ReLU6(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(8, 4), nn.Softmax(1)), Image),
    };

    /// <summary>Every network × folding on/off × batch size 1 and 5.</summary>
    public static TheoryData<string, bool, int> Cases() => ExportParity.Cases(Networks.Keys, 1, 5);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportedGraphMatchesTorchSharp(string network, bool foldBatchNorm, int batchSize) =>
        ExportParity.AssertCase(output, network, Networks[network], foldBatchNorm, batchSize);

    [Theory]
    [InlineData(13)]
    [InlineData(19)]
    [InlineData(21)]
    public void OtherOpsetsMatchTorchSharp(int opset)
    {
        foreach (var network in new[] { "small-cnn", "avgpool-ceil-padding-include", "zeropad-asymmetric", "maxpool-ceil-padding-dilation" })
        {
            var (create, inputShape) = Networks[network];

            var difference = ExportParity.MaxDifference(TestNetworks.Build(create), inputShape, 5, new OnnxExportOptions { Opset = opset });

            output.WriteLine($"{network} opset={opset}: max |torch - onnx| = {difference:E2}");
            Assert.InRange(difference, 0f, ExportParity.Tolerance);
        }
    }
}
