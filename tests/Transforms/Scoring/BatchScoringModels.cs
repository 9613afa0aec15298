using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers;

namespace MLNetDeep.Transforms.Tests.Scoring;

/// <summary>One small trained model per task, saved as a zip file, with its test data: what the batch scoring tests start from.</summary>
public sealed class BatchScoringModels : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetdeep-batch-").FullName;
    private readonly List<IDisposable> _fitted = new();

    public BatchScoringModels()
    {
        Context = new MLContext(seed: 1);
        var (blobs, _) = SyntheticData.Blobs(Context, rows: 150, features: 6, classes: 3, seed: 12);
        var (ring, _) = SyntheticData.Ring(Context, rows: 150, features: 5, seed: 5);
        var (friedman, _) = SyntheticData.Friedman1(Context, rows: 150, seed: 3);
        Multiclass = Train(blobs, "multiclass", o => Context.MulticlassClassification.Trainers.DeepNeuralNetwork(o));
        Binary = Train(ring, "binary", o => Context.BinaryClassification.Trainers.DeepNeuralNetwork(o));
        Regression = Train(friedman, "regression", o => Context.Regression.Trainers.DeepNeuralNetwork(o));
    }

    /// <summary>A trained model: the fitted transformer, its zip on disk, and the data it was trained on.</summary>
    public sealed record Model(ITransformer Fitted, string ZipPath, IDataView Data)
    {
        /// <summary>Every row's features, in order.</summary>
        public float[][] Rows => Data.GetColumn<float[]>("Features").ToArray();
    }

    public MLContext Context { get; }

    public Model Multiclass { get; }

    public Model Binary { get; }

    public Model Regression { get; }

    /// <summary>Loads a zip as a serving application does.</summary>
    public ITransformer Load(Model model) => Context.Model.Load(model.ZipPath, out _);

    private Model Train<TTransformer>(IDataView data, string name, Func<DeepNeuralNetworkOptions, IEstimator<TTransformer>> trainer)
        where TTransformer : class, ITransformer, IDisposable
    {
        var fitted = trainer(new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 16, 8 },
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            Epochs = 3,
            BatchSize = 16,
            Seed = 4,
            NumberOfThreads = 1,
        }).Fit(data);
        _fitted.Add(fitted);
        string path = Path.Combine(_folder, name + ".zip");
        Context.Model.Save(fitted, data.Schema, path);
        return new Model(fitted, path, data);
    }

    public void Dispose()
    {
        foreach (var model in _fitted)
            model.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
