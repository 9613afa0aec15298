// A serving process for an MLNetDeep image model as a user would write it: it loads a saved zip with ML.NET alone
// (MLNetDeep.Transforms.Imaging is found by the zip itself) and scores images given as raw bytes or as paths. The tests
// run it as a child process and check its predictions and that no TorchSharp or libtorch was loaded.
//
// Usage: ImageScoringProbe <model.zip> <bytes|paths> <output.txt> <image>...
//   output.txt: one line per image: the Score values, then "label=<PredictedLabel key>"; then "#load <ms>" (from
//   Model.Load to the first prediction), and "#assembly <name>" and "#native <path>" lines for everything loaded.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length < 4 || args[1] is not ("bytes" or "paths"))
{
    Console.Error.WriteLine("usage: ImageScoringProbe <model.zip> <bytes|paths> <output.txt> <image>...");
    return 2;
}

var clock = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 0);
var model = mlContext.Model.Load(args[0], out _);
var images = args.Skip(3).ToArray();
IDataView data = args[1] == "bytes"
    ? mlContext.Data.LoadFromEnumerable(images.Select(p => new BytesRow { Image = File.ReadAllBytes(p) }))
    : mlContext.Data.LoadFromEnumerable(images.Select(p => new PathRow { Image = p }));
var scored = model.Transform(data);
var lines = new List<string>();
long firstPrediction = -1;
using (var cursor = scored.GetRowCursor(scored.Schema))
{
    var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
    var label = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
    VBuffer<float> values = default;
    uint key = 0;
    while (cursor.MoveNext())
    {
        score(ref values);
        label(ref key);
        if (firstPrediction < 0)
            firstPrediction = clock.ElapsedMilliseconds;
        lines.Add(string.Join(' ', values.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + $" label={key}");
    }
}
lines.Add($"#load {firstPrediction}");
lines.AddRange(AppDomain.CurrentDomain.GetAssemblies().Select(a => $"#assembly {a.GetName().Name}"));
lines.AddRange(File.ReadAllLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
    .Where(p => p.EndsWith(".so", StringComparison.Ordinal) || p.Contains(".so.", StringComparison.Ordinal)).Distinct().Select(p => $"#native {p}"));
File.WriteAllLines(args[2], lines);
return 0;

/// <summary>An image as its encoded bytes.</summary>
internal sealed class BytesRow
{
    public byte[] Image { get; set; } = [];
}

/// <summary>An image as a path.</summary>
internal sealed class PathRow
{
    public string Image { get; set; } = "";
}
