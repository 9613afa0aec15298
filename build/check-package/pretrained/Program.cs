// The app that build/check-package.sh builds on MLNetDeep.Pretrained alone (plus the native backends), as an image
// user would: ResNet18 from the NuGet package reaches the output by itself, TorchSharp loads on Debian 12 (the
// GLIBCXX fix comes with MLNetDeep.Pretrained), the image estimator trains a head on a few generated pictures, and
// the saved zip scores the same pictures as the trained model did.
// Contract with the script: print "CHECK-APP OK" and exit 0 on success, exit non-zero otherwise.
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Pretrained;
using SkiaSharp;

var mlContext = new MLContext(seed: 1);
Console.WriteLine($"running on Microsoft.ML {typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}");

// Two classes a frozen ImageNet backbone tells apart at once: red discs and blue squares, jittered.
var random = new Random(1);
var pictures = Enumerable.Range(0, 12).Select(i => new Picture { Label = i % 2 == 0 ? "disc" : "square", Image = Draw(i % 2 == 0, random) }).ToList();
var data = mlContext.Data.LoadFromEnumerable(pictures);

var options = new ImageTransferLearningOptions { LabelColumnName = "Label", ImageColumnName = "Image", Seed = 1, Epochs = 20, FineTuning = null };
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    .Append(mlContext.MulticlassClassification.Trainers.ImageTransferLearning(options));
var model = pipeline.Fit(data);
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(data));
Console.WriteLine($"training accuracy {metrics.MicroAccuracy:F4}");

var loaded = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    .Where(f => f.Length >= 6 && f[5].EndsWith("/libLibTorchSharp.so")).Select(f => f[5]).FirstOrDefault();
Console.WriteLine($"libLibTorchSharp.so loaded from: {loaded ?? "(not found in /proc/self/maps)"}");
if (loaded is null)
{
    Console.Error.WriteLine("TorchSharp did not load: the head was not trained with it");
    return 1;
}

string zip = Path.Combine(Path.GetTempPath(), $"mlnetdeep-check-images-{Environment.ProcessId}.zip");
mlContext.Model.Save(model, data.Schema, zip);
var reloaded = new MLContext().Model.Load(zip, out _);
File.Delete(zip);
var before = model.Transform(data).GetColumn<float[]>("Score").ToArray();
var after = reloaded.Transform(data).GetColumn<float[]>("Score").ToArray();
double maxDiff = before.Zip(after, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
Console.WriteLine($"saved and reloaded: max abs score difference {maxDiff:G3}");
if (metrics.MicroAccuracy < 0.9 || maxDiff > 1e-5)
{
    Console.Error.WriteLine($"expected training accuracy >= 0.9 and identical scores after reloading; got {metrics.MicroAccuracy:F4} and {maxDiff:G3}");
    return 1;
}
Console.WriteLine("CHECK-APP OK");
return 0;

static byte[] Draw(bool disc, Random random)
{
    using var surface = SKSurface.Create(new SKImageInfo(96, 96));
    surface.Canvas.Clear(SKColors.White);
    using var paint = new SKPaint { Color = disc ? SKColors.Red : SKColors.Blue, IsAntialias = true };
    float x = 48 + random.Next(-8, 9), y = 48 + random.Next(-8, 9), r = 24 + random.Next(0, 8);
    if (disc)
        surface.Canvas.DrawCircle(x, y, r, paint);
    else
        surface.Canvas.DrawRect(x - r, y - r, 2 * r, 2 * r, paint);
    using var image = surface.Snapshot();
    using var png = image.Encode(SKEncodedImageFormat.Png, 100);
    return png.ToArray();
}

sealed class Picture
{
    public string Label { get; set; } = "";
    public byte[] Image { get; set; } = [];
}
