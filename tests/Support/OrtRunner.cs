using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace MLNetDeep.Tests.Support;

/// <summary>Runs models in ONNX Runtime (the reference the importer and the surgery are checked against).</summary>
internal static class OrtRunner
{
    public static InferenceSession Session(ModelProto model, int threads = 2)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        return new InferenceSession(model.ToByteArray(), options);
    }

    /// <summary>Runs the session's only input through it and returns its first output (or <paramref name="outputName"/>).</summary>
    public static float[] Run(InferenceSession session, float[] input, long[] shape, string? outputName = null) =>
        RunWithShape(session, input, shape, outputName).Values;

    public static (float[] Values, long[] Shape) RunWithShape(InferenceSession session, float[] input, long[] shape, string? outputName = null)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        var inputName = session.InputMetadata.Keys.Single();
        outputName ??= session.OutputMetadata.Keys.First();
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [inputName], [value], [outputName]);
        var output = outputs[0];
        return (output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape);
    }

    public static float[] Run(ModelProto model, float[] input, long[] shape, string? outputName = null)
    {
        using var session = Session(model);
        return Run(session, input, shape, outputName);
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
