using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// One <c>Fit</c> without the scoring chain, for every estimator of the library: checks the options, resolves the
/// seed, device and threads, reads and splits the data, builds the network from the factory, trains it with
/// <see cref="TrainingLoop"/> and exports it. The caller supplies the pieces (task, network factory, sample shape,
/// export step, batch augmentation) and turns the <see cref="TrainedNetwork"/> into its transformer.
/// </summary>
internal sealed class TrainingCore
{
    private readonly TrainingOptions _options;
    private readonly TrainingTask _task;
    private readonly INetworkFactory _factory;
    private readonly INetworkExport _export;
    private readonly SampleShape? _sampleShape;
    private readonly IBatchAugmentation? _augmentation;

    /// <param name="options">The options; validated again at every Fit, since they are mutable.</param>
    /// <param name="task">The label reader and objective.</param>
    /// <param name="factory">Builds the network and says how to train it.</param>
    /// <param name="export">Writes the trained network as ONNX; null: <see cref="TorchSharpNetworkExport"/>.</param>
    /// <param name="sampleShape">The shape of one sample, whose element count must be the feature width; null: [feature width].</param>
    /// <param name="augmentation">Changes each training batch; null: none.</param>
    public TrainingCore(TrainingOptions options, TrainingTask task, INetworkFactory factory, INetworkExport? export = null,
        SampleShape? sampleShape = null, IBatchAugmentation? augmentation = null)
    {
        _options = options;
        _task = task;
        _factory = factory;
        _export = export ?? TorchSharpNetworkExport.Instance;
        _sampleShape = sampleShape;
        _augmentation = augmentation;
    }

    /// <summary>Trains on <paramref name="input"/> and returns what <paramref name="complete"/> builds from the trained network.</summary>
    /// <param name="environment">The user's context: logging, the default seed, the GPU choice.</param>
    /// <param name="componentName">The estimator's name in the log.</param>
    /// <param name="input">The training data.</param>
    /// <param name="complete">Builds the model from the trained network (called once, or for a diverged run's best epoch).</param>
    /// <param name="diverged">The exception for a diverged run, given its best completed epoch's model (null when none completed).</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    public TModel Fit<TModel>(IHostEnvironment environment, string componentName, IDataView input, Func<TrainedNetwork, TModel> complete,
        Func<TrainingDivergence, TModel?, Exception> diverged, CancellationToken cancellationToken)
        where TModel : class
    {
        ArgumentNullException.ThrowIfNull(input);
        // Again here: the options object is mutable, and a bad value set after construction must still fail before any work.
        _options.Validate();
        using var host = new TrainingHost(environment, componentName);
        // Before the first tensor: the first epoch otherwise pays for malloc's warm-up (see the class).
        host.Info(NativeAllocatorTuning.EnsureApplied() + ".");
        // Before the first matrix multiply: MKL decides its kernels once per process (see the class).
        host.Info(MathKernelDispatch.EnsureApplied() + ".");
        int seed = host.ResolveSeed(_options.Seed);
        // libtorch's thread count is process-wide: put it back so one Fit does not slow or change every later one.
        int previousThreads = torch.get_num_threads();
        if (_options.NumberOfThreads is int threads)
            torch.set_num_threads(threads);
        try
        {
            return Fit(input, host, seed, complete, diverged, cancellationToken);
        }
        finally
        {
            if (torch.get_num_threads() != previousThreads)
                torch.set_num_threads(previousThreads);
        }
    }

    private TModel Fit<TModel>(IDataView input, TrainingHost host, int seed, Func<TrainedNetwork, TModel> complete,
        Func<TrainingDivergence, TModel?, Exception> diverged, CancellationToken cancellationToken)
        where TModel : class
    {
        var labelReader = _task.LabelReader;
        var labelColumn = DataViewReader.FindColumn(input.Schema, _options.LabelColumnName, "label", "training");
        labelReader.CheckType(labelColumn);
        // From here on the options as resolved for the data: the size-dependent defaults filled in, the user's object unchanged.
        var data = new TrainingDataLoader(_options, labelReader, seed, host).Load(input, cancellationToken, out var options);
        var sampleShape = _sampleShape ?? new SampleShape(data.FeatureCount);
        if (sampleShape.ElementCount != data.FeatureCount)
        {
            throw new ArgumentException(
                $"Feature column '{_options.FeatureColumnName}' has {data.FeatureCount} values per row; the network reads samples of shape {sampleShape} ({sampleShape.ElementCount} values).");
        }
        if (labelReader.IsCategorical && data.AllTargets.Classes.Count < 2)
        {
            throw new ArgumentException(
                $"Label column '{_options.LabelColumnName}' has the single class {labelReader.DescribeTarget(labelColumn, data.AllTargets.Classes.First())} in all {data.AllTargets.Count} training rows; " +
                "a classifier needs rows of at least 2 classes.");
        }
        var train = data.TrainTargets;
        if (train.Count < 2 && _options.UsesBatchNormalization)
            throw new ArgumentException($"Batch normalization needs at least 2 training rows for a variance; the training data has {train.Count}.");
        if (data.ValidationTargets is { } validation && labelReader.IsCategorical)
            AbsentClassWarnings.Warn(options, train, validation, labelReader, labelColumn, host);
        var objective = _task.CreateObjective(labelColumn, train);
        host.Info($"Training on {train.Count} rows of {data.FeatureCount} features" +
            (data.ValidationTargets is null ? "" : $", validating on {data.ValidationTargets.Count} rows") + $"; seed {seed}.");

        // Dropout draws from libtorch's global generator; everything else uses our own, so both are seeded.
        torch.manual_seed(seed);
        using var generator = new Generator((ulong)seed);
        var network = _factory.Create(sampleShape, objective.OutputWidth, options, generator);
        // The model built from the network owns it from then on; until then a failure frees it here.
        bool handedOver = false;
        try
        {
            var device = host.ResolveDevice();
            network.to(device);
            TrainingOutcome outcome;
            try
            {
                string fingerprint = options.CheckpointDirectory is null ? "" : data.Fingerprint(options, seed);
                var (trainSource, validationSource) = data.CreateSources(objective, device);
                using (trainSource)
                using (validationSource)
                {
                    outcome = new TrainingLoop(options, objective, host, device, _factory, sampleShape, _augmentation)
                        .Run(network, trainSource, validationSource, generator, fingerprint, cancellationToken);
                }
            }
            catch (TrainingDivergence divergence)
            {
                TModel? best = null;
                if (divergence.History is { } history)
                {
                    best = complete(Export(network, new TrainingOutcome(history, Array.Empty<Observability.GradientNormRecord>()), sampleShape, seed, objective));
                    handedOver = true;
                }
                throw diverged(divergence, best);
            }
            var model = complete(Export(network, outcome, sampleShape, seed, objective));
            handedOver = true;
            return model;
        }
        catch (Exception) when (!handedOver)
        {
            network.Dispose();
            throw;
        }
    }

    private TrainedNetwork Export(nn.Module<Tensor, Tensor> network, TrainingOutcome outcome, SampleShape sampleShape, int seed, ITrainingObjective objective)
    {
        // The gradients are not needed any more: dropped, they free as much memory as the weights take, and
        // to() would otherwise hand out a tensor handle for each one. zero_grad's own handles die with the scope.
        using (NewDisposeScope())
            network.zero_grad(set_to_none: true);
        network.to(CPU);
        network.eval();
        var description = NetworkDescription.Describe(network, sampleShape.ElementCount);
        // The head (softmax, sigmoid) lives only in the exported graph: training uses fused, stabler losses on raw outputs.
        byte[] onnxModel = _export.Export(network, objective.CreateExportHead(), sampleShape, _options.FeatureColumnName, TrainingCore.NetworkOutputColumnName);
        return new TrainedNetwork(network, onnxModel, outcome, description, objective, seed);
    }

    /// <summary>The name of the column the ONNX graph writes and the prediction head reads.</summary>
    internal const string NetworkOutputColumnName = "DeepNeuralNetworkOutput";
}
