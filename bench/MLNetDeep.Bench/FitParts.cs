using System.Diagnostics;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;
using MLNetDeep.Transforms.Scoring;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>
/// What Fit spends outside its epochs, phase by phase, with a bench copy of each phase: reading the IDataView into a
/// float[] (cursor, VBuffer copy, the non-finite check), copying it into a tensor, and building the ONNX scoring
/// chain from the exported graph. Needs results/models/dnn.onnx (written by the accuracy command).
/// </summary>
internal static class FitParts
{
    public static int Run(Args args)
    {
        string dir = Results.Directory(args);
        int rounds = args.Int("--rounds", 5);
        var data = BenchData.LoadArrays(args).ToDataViews();
        string onnxPath = Path.Combine(dir, "models", "dnn.onnx");
        byte[]? onnx = File.Exists(onnxPath) ? File.ReadAllBytes(onnxPath) : null;
        var samples = new List<(string Phase, double Seconds)>();
        using var csv = new CsvWriter(Path.Combine(dir, "fitparts.csv"), "round", "phase", "seconds");
        void Time(int round, string phase, Action action)
        {
            var clock = Stopwatch.StartNew();
            action();
            double s = clock.Elapsed.TotalSeconds;
            samples.Add((phase, s));
            csv.Row(round, phase, s);
        }

        for (int round = 1; round <= rounds; round++)
        {
            float[]? features = null;
            Time(round, "read IDataView (cursor + VBuffer copy)", () => features = Read(data.Train, check: false));
            Time(round, "read IDataView + non-finite check (as DataViewReader)", () => features = Read(data.Train, check: true));
            Time(round, "non-finite check alone (scalar loop)", () => CheckScalar(features!));
            Time(round, "non-finite check alone (vectorized)", () => CheckVector(features!));
            Time(round, "float[] → tensor copy", () =>
            {
                using var t = tensor(features!, new long[] { features!.Length / 784, 784 });
            });
            if (onnx is not null)
            {
                var ml = new MLContext(seed: 1);
                Time(round, "ONNX scoring chain (OnnxTransformer + head)", () =>
                {
                    var transformer = OnnxScoringChain.CreateOnnxTransformer(ml, onnx, "Features", DeepNeuralNetworkTrainerBase<MulticlassDeepNeuralNetworkTransformer>.NetworkOutputColumnName, data.Train.Schema);
                    var head = PredictionHeads.CreateMulticlass(ml, transformer.GetOutputSchema(data.Train.Schema), DeepNeuralNetworkTrainerBase<MulticlassDeepNeuralNetworkTransformer>.NetworkOutputColumnName, "Label", 10);
                    OnnxScoringChain.Chain(transformer, head);
                });
            }
            Console.WriteLine($"  round {round}: " + string.Join(", ", samples.TakeLast(onnx is null ? 5 : 6).Select(s => $"{s.Phase} {s.Seconds:F3} s")));
        }

        var md = new StringBuilder();
        md.AppendLine($"### Fit outside the epochs, phase by phase (bench copies; 55,000 × 784; median of {rounds})");
        md.AppendLine();
        md.AppendLine("| phase | seconds |");
        md.AppendLine("|---|---:|");
        foreach (var phase in samples.Select(s => s.Phase).Distinct())
            md.AppendLine($"| {phase} | {Stats.Median(samples.Where(s => s.Phase == phase).Select(s => s.Seconds)):F3} |");
        Results.Markdown(args, "fitparts.md", md.ToString());
        return 0;
    }

    /// <summary>What DataViewReader.Read does for the features: cursor, getter, VBuffer copy into one float[].</summary>
    private static float[] Read(IDataView data, bool check)
    {
        long rows = data.GetRowCount() ?? throw new InvalidOperationException("Row count needed.");
        var features = new float[rows * 784];
        var column = data.Schema["Features"];
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var vector = default(VBuffer<float>);
        long row = 0;
        while (cursor.MoveNext())
        {
            getter(ref vector);
            var destination = features.AsSpan((int)(row * 784), 784);
            vector.CopyTo(destination);
            if (check && CheckScalar(destination) >= 0)
                throw new InvalidDataException("non-finite");
            row++;
        }
        return features;
    }

    private static int CheckScalar(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                return i;
        }
        return -1;
    }

    /// <summary>The same check 16 floats at a time: a value is finite iff its exponent bits are not all ones.</summary>
    private static int CheckVector(ReadOnlySpan<float> values)
    {
        int i = 0;
        var mask = System.Numerics.Vector<int>.One * 0x7F800000;
        var ints = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(values);
        for (; i <= ints.Length - System.Numerics.Vector<int>.Count; i += System.Numerics.Vector<int>.Count)
        {
            var v = new System.Numerics.Vector<int>(ints.Slice(i)) & mask;
            if (System.Numerics.Vector.EqualsAny(v, mask))
                return CheckScalar(values.Slice(i, System.Numerics.Vector<int>.Count)) + i;
        }
        int tail = CheckScalar(values.Slice(i));
        return tail < 0 ? -1 : tail + i;
    }
}
