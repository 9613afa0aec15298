using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;

namespace MLNetDeep.Tests.Support;

/// <summary>A small trained multiclass model, its data, and its saved zip and ONNX bytes: what the scoring and file tests start from.</summary>
internal sealed class TrainedModel : IDisposable
{
    public const int Features = 6;

    public TrainedModel(MLContext? context = null, int rows = 150, int features = Features)
    {
        Context = context ?? new MLContext(seed: 1);
        (Data, Rows) = SyntheticData.Blobs(Context, rows, features, classes: 3, seed: 12);
        Model = Context.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 16, 8 },
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            DropoutRate = 0.1,
            Epochs = 3,
            BatchSize = 16,
            Seed = 4,
        }).Fit(Data);
        using (var zip = new MemoryStream())
        {
            Context.Model.Save(Model, Data.Schema, zip);
            ZipBytes = zip.ToArray();
        }
        using (var onnx = new MemoryStream())
        {
            Model.ExportOnnx(onnx);
            OnnxBytes = onnx.ToArray();
        }
    }

    public MLContext Context { get; }

    public IDataView Data { get; }

    public IReadOnlyList<SyntheticData.ClassRow> Rows { get; }

    public MulticlassDeepNeuralNetworkTransformer Model { get; }

    public byte[] ZipBytes { get; }

    public byte[] OnnxBytes { get; }

    /// <summary>Loads the saved zip, as a serving application does.</summary>
    public ITransformer Load(byte[]? zip = null) => Context.Model.Load(new MemoryStream(zip ?? ZipBytes, writable: false), out _);

    /// <summary>Every row's Score vector, in order.</summary>
    public static float[][] Scores(ITransformer model, IDataView data) => model.Transform(data).GetColumn<float[]>("Score").ToArray();

    public void Dispose() => Model.Dispose();
}
