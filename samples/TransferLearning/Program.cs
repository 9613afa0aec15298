// Transfer learning on flowers-small (200 photos, 5 classes; CC BY 2.0, photographers listed in the dataset's
// LICENSE.txt): a stratified 75/25 split with a fixed seed, phase 1 (a new head on ResNet18's frozen features), then
// phase 2 (the top residual block fine-tuned with the head), held-out accuracy after each, then the model saved,
// reloaded and asked about a few held-out photos by class name.
//
// Usage: dotnet run -c Release --project samples/TransferLearning [-- --folds 5] [-- --data <folder>] [-- --validation 0.2]
//   --folds K: also report the mean held-out accuracy of both phases over K stratified folds.
//   --validation F: hold out F of the training photos as validation data in both phases, so that phase 2 is kept only
//     when its validation loss is not above phase 1's (FineTuning.KeepPhase1WhenNotBetter); default 0, none.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Pretrained;
using MLNetDeep.Trainers;

var folder = Argument("--data") ?? FindFlowers();
var folds = int.Parse(Argument("--folds") ?? "0");
var validationFraction = double.Parse(Argument("--validation") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
const int Seed = 1;

var mlContext = new MLContext(seed: Seed);
var photos = Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
    .SelectMany(d => Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).Select(f => new Photo { Path = f, Class = Path.GetFileName(d) }))
    .ToList();
// One key type for every split, ordered by name, so that key k means the same class in each.
var classNames = mlContext.Data.LoadFromEnumerable(photos.Select(p => p.Class).Distinct().Order(StringComparer.Ordinal).Select(c => new ClassName { Class = c }));
Console.WriteLine($"{photos.Count} photos of {photos.Select(p => p.Class).Distinct().Count()} classes in {folder}");

var (train, test) = StratifiedSplit(photos, heldOut: 0.25, seed: Seed);
Console.WriteLine($"stratified split (seed {Seed}): {train.Count} for training, {test.Count} held out");
var clock = Stopwatch.StartNew();
var (phase1, phase2, model, _) = TrainBothPhases(train, test, verbose: true);
Console.WriteLine($"phase 1 held-out accuracy: {phase1:F4}");
Console.WriteLine($"phase 2 held-out accuracy: {phase2:F4}");
Console.WriteLine($"both phases: {clock.Elapsed.TotalSeconds:F1} s");

var zip = Path.Combine(Path.GetTempPath(), "flowers-transfer-learning.zip");
mlContext.Model.Save(model, Load(train).Schema, zip);
Console.WriteLine($"saved {zip} ({new FileInfo(zip).Length / 1e6:F1} MB)");
var loaded = new MLContext().Model.Load(zip, out _);
var examples = test.Where((_, i) => i % 10 == 0).ToList();
var predictions = loaded.Transform(Load(examples));
var named = mlContext.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(predictions).Transform(predictions);
foreach (var (photo, predicted) in examples.Zip(named.GetColumn<string>("PredictedClass")))
    Console.WriteLine($"  {Path.GetFileName(photo.Path),-34} is {photo.Class,-10} predicted {predicted}");
model.Dispose();

if (folds > 1)
{
    var scores = new List<(double Phase1, double Phase2)>();
    clock.Restart();
    foreach (var (foldTrain, foldTest) in StratifiedFolds(photos, folds, Seed))
    {
        var (a, b, foldModel, l2) = TrainBothPhases(foldTrain, foldTest, verbose: false);
        foldModel.Dispose();
        scores.Add((a, b));
        Console.WriteLine($"fold {scores.Count}: phase 1 {a:F4}, phase 2 {b:F4}, chosen L2 {l2}");
    }
    Console.WriteLine($"{folds}-fold mean held-out accuracy: phase 1 {scores.Average(s => s.Phase1):F4}, phase 2 {scores.Average(s => s.Phase2):F4} ({clock.Elapsed.TotalSeconds:F0} s)");
}
return 0;

// Phase 1 alone, then both phases from the same trainer: the backbone features are computed once and cached, and the
// same seed repeats the same phase 1 (50 epochs on cached features take a second), so the second fit's phase 1 is the
// model the first one measured, and its phase 2 starts from it.
(double Phase1, double Phase2, ImageClassificationTransformer Model, double? ChosenL2) TrainBothPhases(List<Photo> trainPhotos, List<Photo> testPhotos, bool verbose)
{
    var options = new ImageTransferLearningOptions
    {
        LabelColumnName = "Label",
        ImageColumnName = "Image",
        Seed = Seed,
        FineTuning = null,
        ValidationFraction = validationFraction,
        // The features of each photo are kept here between runs (and folds): ML.NET's bottleneck cache.
        FeatureCacheDirectory = Path.Combine(Path.GetTempPath(), "mlnetdeep-flowers-features"),
        Progress = verbose ? new ConsoleProgress(r => Report("phase 1", r)) : null,
    };
    var trainer = mlContext.MulticlassClassification.Trainers.ImageTransferLearning(options);
    var trainData = Load(trainPhotos);
    var testData = Load(testPhotos);
    var clock = Stopwatch.StartNew();
    var headOnly = trainer.Fit(trainData);
    var phase1 = mlContext.MulticlassClassification.Evaluate(headOnly.Transform(testData)).MacroAccuracy;
    var selection = headOnly.HeadSelection;
    if (verbose)
    {
        // The head's L2 was chosen by 5-fold cross-validation on the training photos only (HeadSelection, on by default).
        if (selection is not null)
            Console.WriteLine($"head selection ({selection.Folds} folds on the training photos): " +
                string.Join(", ", selection.Candidates.Select(c => $"L2 {c.L2}: {c.Accuracy:F4}")) + $"; chosen L2 {selection.ChosenL2}");
        Console.WriteLine($"phase 1 held-out accuracy: {phase1:F4} (train {mlContext.MulticlassClassification.Evaluate(headOnly.Transform(trainData)).MacroAccuracy:F4}; {clock.Elapsed.TotalSeconds:F1} s)");
    }
    headOnly.Dispose();
    // The second fit repeats phase 1 with the L2 the selection chose, instead of selecting again: the same head, bit for bit.
    if (selection is not null)
        (options.HeadSelection, options.L2) = (null, selection.ChosenL2);

    // Phase 2 with its defaults (FineTuningOptions); the progress reports of the repeated phase 1 come first and are not printed again.
    options.FineTuning = new FineTuningOptions();
    var (phase, lastEpoch) = (1, 0);
    options.Progress = verbose ? new ConsoleProgress(r =>
    {
        // Epochs count within a phase: a count that starts again is phase 2.
        if (r.Epoch <= lastEpoch)
            phase = 2;
        lastEpoch = r.Epoch;
        if (phase == 2)
            Report("phase 2", r);
    }) : null;
    clock.Restart();
    var both = trainer.Fit(trainData);
    var phase2 = mlContext.MulticlassClassification.Evaluate(both.Transform(testData)).MacroAccuracy;
    if (verbose)
    {
        Console.WriteLine($"phase 2 (with phase 1 repeated from cached features): {clock.Elapsed.TotalSeconds:F1} s; train accuracy {mlContext.MulticlassClassification.Evaluate(both.Transform(trainData)).MacroAccuracy:F4}");
        if (validationFraction > 0)
            Console.WriteLine($"validation loss: phase 1 {both.HeadHistory.Epochs[^1].ValidationLoss:F4}, phase 2 {both.FineTuningHistory!.Epochs[^1].ValidationLoss:F4}; phase 2 kept: {both.FineTuningKept}");
    }
    return (phase1, phase2, both, selection?.ChosenL2);
}

static void Report(string phase, EpochReport r) =>
    Console.WriteLine($"{phase} epoch {r.Epoch}/{r.TotalEpochs}: loss {r.Record.TrainLoss:F4}, {r.MetricName} {r.Record.TrainMetric:F4} ({r.Elapsed.TotalSeconds:F1} s)");

IDataView Load(List<Photo> items)
{
    var data = mlContext.Data.LoadFromEnumerable(items);
    return mlContext.Transforms.LoadRawImageBytes("Image", imageFolder: null, "Path")
        .Append(mlContext.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: classNames))
        .Fit(data).Transform(data);
}

static (List<Photo> Train, List<Photo> Test) StratifiedSplit(List<Photo> all, double heldOut, int seed)
{
    var random = new Random(seed);
    var train = new List<Photo>();
    var test = new List<Photo>();
    foreach (var group in all.GroupBy(p => p.Class))
    {
        var shuffled = group.OrderBy(_ => random.Next()).ToList();
        var held = (int)Math.Ceiling(shuffled.Count * heldOut);
        test.AddRange(shuffled.Take(held));
        train.AddRange(shuffled.Skip(held));
    }
    return (train, test);
}

static IEnumerable<(List<Photo> Train, List<Photo> Test)> StratifiedFolds(List<Photo> all, int k, int seed)
{
    var random = new Random(seed);
    var fold = new Dictionary<Photo, int>();
    foreach (var group in all.GroupBy(p => p.Class))
    {
        var shuffled = group.OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < shuffled.Count; i++)
            fold[shuffled[i]] = i % k;
    }
    for (var f = 0; f < k; f++)
        yield return (all.Where(p => fold[p] != f).ToList(), all.Where(p => fold[p] == f).ToList());
}

string? Argument(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindFlowers()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "shared", "datasets", "flowers-small");
        if (Directory.Exists(candidate))
            return candidate;
    }
    throw new DirectoryNotFoundException("flowers-small was not found in a shared/datasets folder above the sample; pass --data <folder>.");
}

/// <summary>One photo: its file and its class folder's name.</summary>
internal sealed class Photo
{
    public string Path { get; set; } = "";

    public string Class { get; set; } = "";
}

/// <summary>A class name, for the key type's values.</summary>
internal sealed class ClassName
{
    public string Class { get; set; } = "";
}

/// <summary>Prints each epoch as it ends (Progress&lt;T&gt; would post to the thread pool and could reorder the lines).</summary>
internal sealed class ConsoleProgress(Action<EpochReport> report) : IProgress<EpochReport>
{
    public void Report(EpochReport value) => report(value);
}
