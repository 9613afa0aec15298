using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Hosting;
using MLNetDeep.Transforms.Onnx;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Transforms.Tests.Onnx;

public sealed class OnnxSessionSettingsTests
{
    private static byte[] Relu() => new GraphBuilder()
        .DynamicInput("x", "N", 2)
        .Node("Relu", ["x"], ["y"])
        .DynamicOutput("y", "N", 2)
        .Build(opset: 13).ToByteArray();

    [Fact]
    public void Sessions_are_opened_with_intra_op_spinning_off_unless_it_is_allowed()
    {
        var cpu = new GpuRequest(null, true, "DeviceId", "FallbackToCpu");
        var quiet = new OnnxSessionSettings(2, AllowSpinning: false);
        var opened = OnnxSessions.Open(Relu(), cpu, quiet, _ => { });
        using (opened.Session)
        {
            Assert.Equal("CPU", opened.Provider);
            Assert.Equal(new Dictionary<string, string> { ["session.intra_op.allow_spinning"] = "0" }, quiet.ConfigEntries);
            using var input = OrtValue.CreateTensorValueFromMemory(new float[] { -1f, 2f }, [1, 2]);
            using var outputs = opened.Session.Run(new RunOptions(), ["x"], [input], ["y"]);
            Assert.Equal([0f, 2f], outputs[0].GetTensorDataAsSpan<float>().ToArray());
        }
        var allowed = new OnnxSessionSettings(2, AllowSpinning: true);
        var spinning = OnnxSessions.Open(Relu(), cpu, allowed, _ => { });
        using (spinning.Session)
            Assert.Empty(allowed.ConfigEntries);
    }

    [Fact]
    public void The_batch_predictor_turns_spinning_off_by_default()
    {
        Assert.False(new BatchPredictorOptions().AllowSpinning);
        Assert.Equal(new OnnxSessionSettings(0, false), new BatchPredictorOptions().SessionSettings);
        Assert.Equal(new OnnxSessionSettings(3, true), new BatchPredictorOptions { IntraOpThreads = 3, AllowSpinning = true }.SessionSettings);
    }
}
