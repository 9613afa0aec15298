using Microsoft.ML;
using MLNetDeep.Tests.Support;
using SkiaSharp;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

/// <summary>
/// Images of a few colour classes written to a temp folder with a synthetic backbone beside them, and the data views
/// ML.NET users build over them: paths (Text), raw bytes (VarVector&lt;Byte&gt;), and a key label with the class names.
/// </summary>
internal sealed class SyntheticImageSet : IDisposable
{
    public static readonly SKColor[] Colours = [new(220, 40, 40), new(40, 60, 220), new(40, 200, 60)];
    public static readonly string[] ClassNames = ["red", "blue", "green"];

    private readonly TempDirectory _folder = new();

    public SyntheticImageSet(int perClass = 8, int classes = 2, int seed = 1)
    {
        BackbonePath = System.IO.Path.Combine(_folder.Path, "backbone.onnx");
        SyntheticBackbone.Write(BackbonePath);
        var images = _folder.Sub("images");
        for (var c = 0; c < classes; c++)
        {
            for (var i = 0; i < perClass; i++)
            {
                var path = System.IO.Path.Combine(images, $"{ClassNames[c]}_{i}.jpg");
                File.WriteAllBytes(path, TestImages.Noisy(40 + 3 * i, 36 + 2 * i, Colours[c], seed * 1000 + c * 100 + i));
                Rows.Add(new ImageFile { Path = path, Class = ClassNames[c] });
            }
        }
    }

    public string Folder => _folder.Path;

    public string BackbonePath { get; }

    public List<ImageFile> Rows { get; } = [];

    public ImageBackbone Backbone => SyntheticBackbone.Backbone(BackbonePath);

    /// <summary>Columns Path (Text), Class (Text), Label (key of the class names), and Image (the file's bytes) when <paramref name="bytes"/>.</summary>
    public IDataView Load(MLContext context, IEnumerable<ImageFile>? rows = null, bool bytes = true)
    {
        var data = context.Data.LoadFromEnumerable((rows ?? Rows).ToList());
        var names = context.Data.LoadFromEnumerable(ClassNames.Take(Rows.Select(r => r.Class).Distinct().Count()).Select(n => new ClassName { Class = n }));
        IEstimator<ITransformer> pipeline = context.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: names);
        if (bytes)
            pipeline = pipeline.Append(context.Transforms.LoadRawImageBytes("Image", null, "Path"));
        else
            pipeline = pipeline.Append(context.Transforms.CopyColumns("Image", "Path"));
        return pipeline.Fit(data).Transform(data);
    }

    public ImageTransferLearningOptions Options(int seed = 1) => new()
    {
        Backbone = Backbone,
        Seed = seed,
        Epochs = 20,
        FineTuning = null,
        // 25 extra head fits per Fit; HeadSelectionTests covers the selection.
        HeadSelection = null,
        NumberOfThreads = 1,
    };

    public void Dispose() => _folder.Dispose();

    public sealed class ImageFile
    {
        public string Path { get; set; } = "";

        public string Class { get; set; } = "";
    }

    private sealed class ClassName
    {
        public string Class { get; set; } = "";
    }
}
