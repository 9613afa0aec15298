// MLNetDeep's main job: Géron's "Training Deep Neural Networks" (Hands-On ML, ch. 11) on
// Fashion-MNIST, as an ML.NET app. It trains a 784-300-100-10 MLP (ReLU, He init, batch norm,
// dropout, Adam, early stopping), evaluates it on the test set, saves an ordinary ML.NET model zip,
// reloads it and predicts a few test images by class name.
//
//   dotnet run -c Release --project samples/FashionMnist [-- --data DIR] [--epochs N] [--output DIR] [--threads N]
//
// Data is looked up in this order: --data, $MLNETDEEP_DATA, ../shared/datasets/fashion-mnist,
// then the download cache (downloading the official files when missing).
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using MLNetDeep.Datasets;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Schedules;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int epochs = int.Parse(Argument(args, "--epochs") ?? "15", CultureInfo.InvariantCulture);
string outputDirectory = Argument(args, "--output") ?? Path.Combine("artifacts", "fashion-mnist");
int? threads = Argument(args, "--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null;
Directory.CreateDirectory(outputDirectory);
string modelPath = Path.Combine(outputDirectory, "fashion-mnist-mlp.zip");

var mlContext = new MLContext(seed: 42);
// The trainer logs through the MLContext, as ML.NET's trainers do; warnings (vanishing gradients,
// early stopping) are shown as they come.
mlContext.Log += (_, e) =>
{
    if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning && e.Source.Contains("DeepNeuralNetwork", StringComparison.Ordinal))
        Console.WriteLine("  warning: " + e.Message[(e.Message.IndexOf(']') + 2)..]);
};

// 1. Data: pixels scaled to [0, 1]; the last 5,000 training images are the validation set.
string dataDirectory = FashionMnist.ResolveDataDirectory(FashionMnist.GetDataArgument(args));
Console.WriteLine($"Fashion-MNIST from {dataDirectory}");
var data = FashionMnist.Load(new FashionMnistOptions { DataDirectory = dataDirectory });
Console.WriteLine($"train {data.Train.GetRowCount():N0}, validation {data.Validation.GetRowCount():N0}, test {data.Test.GetRowCount():N0} images");

// 2. The network of the notebook's batch-normalization and dropout sections, with the learning rate
//    annealed along a cosine over the whole run (the chapter's "learning rate scheduling").
const int BatchSize = 32;
long stepsPerEpoch = (data.Train.GetRowCount()!.Value + BatchSize - 1) / BatchSize;
var options = new DeepNeuralNetworkOptions
{
    HiddenLayers = new[] { 300, 100 },
    Activation = ActivationFunction.ReLU,
    WeightInitializer = WeightInitializer.HeNormal,
    InputBatchNormalization = true,
    BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
    DropoutRate = 0.2,
    Optimizer = OptimizerKind.Adam,
    LearningRate = 1e-3,
    LearningRateSchedule = new CosineDecaySchedule(epochs * stepsPerEpoch),
    Epochs = epochs,
    BatchSize = BatchSize,
    ValidationSet = data.Validation,
    EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationAccuracy, Patience = 4 },
    Seed = 42,
    TensorBoardLogDirectory = Path.Combine(outputDirectory, "tensorboard"),
    NumberOfThreads = threads,
};
Console.WriteLine($"Training 784-300-100-10 for up to {epochs} epochs:");
var clock = Stopwatch.StartNew();
var model = Train(mlContext, options, data.Train);
clock.Stop();
Console.WriteLine(model.Description);
Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s; kept epoch {model.History.BestEpoch} of {model.History.Epochs.Count}");

// 3. Test-set evaluation with ML.NET's own evaluator.
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(data.Test));
Console.WriteLine($"log-loss: {metrics.LogLoss:F4}");
PrintConfusionMatrix(metrics.ConfusionMatrix, FashionMnist.ClassNames);

// 4. Learning curves and gradient norms as images; TensorBoard logs were written while training.
string curves = Path.Combine(outputDirectory, "curves.png"), gradients = Path.Combine(outputDirectory, "gradient-norms.png");
model.SaveLearningCurves(curves);
model.SaveGradientNorms(gradients);
Console.WriteLine($"wrote {curves}, {gradients}; TensorBoard: tensorboard --logdir {options.TensorBoardLogDirectory}");

// 5. Save an ordinary ML.NET zip, load it back, and predict a few test images by name.
mlContext.Model.Save(model, data.Train.Schema, modelPath);
Console.WriteLine($"saved {modelPath} ({new FileInfo(modelPath).Length / 1024.0:F0} KiB)");
var loaded = mlContext.Model.Load(modelPath, out _);
var testSample = mlContext.Data.TakeRows(data.Test, 5);
var withNames = loaded.Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel")
    .Fit(loaded.Transform(testSample)));
var engine = mlContext.Model.CreatePredictionEngine<ImageInput, NamedPrediction>(withNames);
var truth = mlContext.Transforms.Conversion.MapKeyToValue("TrueName", "Label").Fit(testSample).Transform(testSample)
    .GetColumn<string>("TrueName").ToArray();
var images = testSample.GetColumn<float[]>("Features").ToArray();
for (int i = 0; i < images.Length; i++)
{
    var prediction = engine.Predict(new ImageInput { Features = images[i] });
    Console.WriteLine($"  test image {i}: predicted {prediction.PredictedName,-12} ({prediction.Score.Max():P1}), actually {truth[i]}");
}

Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F4}");
return 0;

// A live progress bar on a terminal; one plain line per epoch when the output is redirected (CI, scripts).
static MulticlassDeepNeuralNetworkTransformer Train(MLContext mlContext, DeepNeuralNetworkOptions options, IDataView train)
{
    static string Line(EpochReport r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch,2}/{r.TotalEpochs}: loss {r.Record.TrainLoss:F4}, accuracy {r.Record.TrainMetric:F4}, val_loss {r.Record.ValidationLoss:F4}, val_accuracy {r.Record.ValidationMetric:F4}, {r.Record.Seconds:F1} s");
    var trainer = () => mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(train);
    if (!AnsiConsole.Profile.Capabilities.Interactive)
    {
        options.Progress = new EpochPrinter(r => Console.WriteLine("  " + Line(r)));
        return trainer();
    }
    return AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .Start(context =>
        {
            // This sample sets Epochs; an unset one is resolved at Fit, and every report carries the resolved count.
            var task = context.AddTask("training", maxValue: options.Epochs ?? 1);
            options.Progress = new EpochPrinter(r =>
            {
                AnsiConsole.WriteLine("  " + Line(r));
                task.MaxValue = r.TotalEpochs;
                task.Value = r.Epoch;
                task.Description = $"epoch {r.Epoch}/{r.TotalEpochs}";
            });
            var fitted = trainer();
            task.Value = task.MaxValue;
            return fitted;
        });
}

static string? Argument(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static void PrintConfusionMatrix(ConfusionMatrix matrix, IReadOnlyList<string> names)
{
    const int width = 9;
    string Short(string name) => name.Length <= width - 1 ? name : name[..(width - 1)];
    Console.WriteLine("confusion matrix (rows: actual, columns: predicted):");
    Console.WriteLine(new string(' ', 12) + string.Concat(names.Select(n => Short(n).PadLeft(width))));
    for (int row = 0; row < matrix.NumberOfClasses; row++)
    {
        var counts = matrix.Counts[row].Select(c => ((int)c).ToString(CultureInfo.InvariantCulture).PadLeft(width));
        Console.WriteLine(Short(names[row]).PadRight(12) + string.Concat(counts));
    }
}

/// <summary>Reports on the training thread, unlike <see cref="Progress{T}"/>, which posts to the thread pool.</summary>
internal sealed class EpochPrinter : IProgress<EpochReport>
{
    private readonly Action<EpochReport> _print;

    public EpochPrinter(Action<EpochReport> print) => _print = print;

    public void Report(EpochReport value) => _print(value);
}

/// <summary>One image to classify: 784 pixels in [0, 1].</summary>
internal sealed class ImageInput
{
    /// <summary>The pixels, row-major.</summary>
    [VectorType(FashionMnist.PixelsPerImage)]
    public float[] Features { get; set; } = Array.Empty<float>();
}

/// <summary>A prediction with the class name restored.</summary>
internal sealed class NamedPrediction
{
    /// <summary>The predicted class name.</summary>
    public string PredictedName { get; set; } = "";

    /// <summary>The class probabilities.</summary>
    public float[] Score { get; set; } = Array.Empty<float>();
}
