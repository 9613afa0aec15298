using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Onnx.Export;
using MLNetDeep.Trainers.Training;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Trainers;

/// <summary>
/// The training core every task shares: option checks, reading the IDataView, the validation split,
/// building and training the network, ONNX export and the ML.NET scoring chain. Subclasses supply
/// the label handling, objective, prediction head and transformer type.
/// </summary>
/// <typeparam name="TTransformer">The fitted transformer type.</typeparam>
public abstract class DeepNeuralNetworkTrainerBase<TTransformer> : IEstimator<TTransformer>
    where TTransformer : DeepNeuralNetworkTransformer
{
    /// <summary>The name of the column the ONNX graph writes and the prediction head reads.</summary>
    public const string NetworkOutputColumnName = "DeepNeuralNetworkOutput";

    private protected DeepNeuralNetworkTrainerBase(IHostEnvironment environment, DeepNeuralNetworkOptions options)
    {
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        OptionsValidator.Validate(options);
    }

    /// <summary>The user's context (or the environment behind its catalogs): logging, the default seed and the GPU choice.</summary>
    private protected IHostEnvironment Environment { get; }

    /// <summary>The options this trainer was created with.</summary>
    public DeepNeuralNetworkOptions Options { get; }

    private protected abstract string ComponentName { get; }

    private protected abstract LabelColumnReader CreateLabelReader();

    /// <summary>The task's objective, from the statistics of the training rows' targets (one streamed pass computes them too).</summary>
    private protected abstract ITrainingObjective CreateObjective(DataViewSchema.Column labelColumn, TargetStatistics train);

    private protected abstract ITransformer CreatePredictionHead(DataViewSchema schemaWithNetworkOutput, ITrainingObjective objective);

    private protected abstract TTransformer CreateTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info, ITrainingObjective objective);

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">Training data with the label and feature columns the options name.</param>
    /// <exception cref="TrainingDivergedException">The loss, or after an epoch the weights or outputs, became NaN or infinite; the exception carries the best completed epoch's model.</exception>
    public TTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary>Trains the network, stopping early when <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="input">Training data with the label and feature columns the options name.</param>
    /// <param name="cancellationToken">
    /// Checked before every mini-batch: once it is cancelled, training stops within one batch and an
    /// <see cref="OperationCanceledException"/> is thrown. Checkpoints already written stay complete
    /// (they are written atomically at epoch ends), so a later Fit with the same CheckpointDirectory resumes.
    /// </param>
    /// <exception cref="TrainingDivergedException">The loss, or after an epoch the weights or outputs, became NaN or infinite; the exception carries the best completed epoch's model.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public TTransformer Fit(IDataView input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Again here: the options object is mutable, and a bad value set after construction must still fail before any work.
        OptionsValidator.Validate(Options);
        using var host = new TrainingHost(Environment, ComponentName);
        int seed = host.ResolveSeed(Options.Seed);
        // libtorch's thread count is process-wide: put it back so one Fit does not slow or change every later one.
        int previousThreads = torch.get_num_threads();
        if (Options.NumberOfThreads is int threads)
            torch.set_num_threads(threads);
        try
        {
            return FitCore(input, host, seed, cancellationToken);
        }
        finally
        {
            if (torch.get_num_threads() != previousThreads)
                torch.set_num_threads(previousThreads);
        }
    }

    private TTransformer FitCore(IDataView input, TrainingHost host, int seed, CancellationToken cancellationToken)
    {
        var labelReader = CreateLabelReader();
        var labelColumn = DataViewReader.FindColumn(input.Schema, Options.LabelColumnName, "label", "training");
        labelReader.CheckType(labelColumn);
        var data = new TrainingDataLoader(Options, labelReader, seed, host).Load(input, cancellationToken);
        if (labelReader.IsCategorical && data.AllTargets.Classes.Count < 2)
        {
            throw new ArgumentException(
                $"Label column '{Options.LabelColumnName}' has the single class {labelReader.DescribeTarget(labelColumn, data.AllTargets.Classes.First())} in all {data.AllTargets.Count} training rows; " +
                "a classifier needs rows of at least 2 classes.");
        }
        var train = data.TrainTargets;
        if (train.Count < 2 && OptionsValidator.UsesBatchNormalization(Options))
            throw new ArgumentException($"Batch normalization needs at least 2 training rows for a variance; the training data has {train.Count}.");
        if (data.ValidationTargets is { } validation && labelReader.IsCategorical)
            WarnAboutAbsentClasses(train, validation, labelReader, labelColumn, host);
        var objective = CreateObjective(labelColumn, train);
        host.Info($"Training on {train.Count} rows of {data.FeatureCount} features" +
            (data.ValidationTargets is null ? "" : $", validating on {data.ValidationTargets.Count} rows") + $"; seed {seed}.");

        // Dropout draws from libtorch's global generator; everything else uses our own, so both are seeded.
        torch.manual_seed(seed);
        using var generator = new Generator((ulong)seed);
        var network = NetworkBuilder.Build(Options, data.FeatureCount, objective.OutputWidth, generator);
        try
        {
            var device = host.ResolveDevice();
            network.to(device);
            TrainingOutcome outcome;
            try
            {
                string fingerprint = Options.CheckpointDirectory is null ? "" : data.Fingerprint(Options, seed);
                var (trainSource, validationSource) = data.CreateSources(objective, device);
                using (trainSource)
                using (validationSource)
                    outcome = new TrainingLoop(Options, objective, host, device).Run(network, trainSource, validationSource, generator, fingerprint, cancellationToken);
            }
            catch (TrainingDivergence diverged)
            {
                var best = diverged.History is { } history
                    ? Build(network, new TrainingOutcome(history, Array.Empty<Observability.GradientNormRecord>()), input.Schema, data.FeatureCount, seed, objective)
                    : null;
                if (best is null)
                    network.Dispose();
                throw new TrainingDivergedException(diverged.Epoch, diverged.Step, diverged.Loss, best, diverged.BrokenAfterStep);
            }
            return Build(network, outcome, input.Schema, data.FeatureCount, seed, objective);
        }
        catch (Exception ex) when (ex is not TrainingDivergedException)
        {
            network.Dispose();
            throw;
        }
    }

    private TTransformer Build(nn.Module<Tensor, Tensor> network, TrainingOutcome outcome, DataViewSchema inputSchema, long featureCount, int seed, ITrainingObjective objective)
    {
        // The gradients are not needed any more: dropped, they free as much memory as the weights take, and
        // to() would otherwise hand out a tensor handle for each one. zero_grad's own handles die with the scope.
        using (NewDisposeScope())
            network.zero_grad(set_to_none: true);
        network.to(CPU);
        network.eval();
        var description = NetworkDescription.Describe(network, featureCount);
        byte[] onnxModel = Export(network, featureCount, objective);
        var onnx = Transforms.Scoring.OnnxScoringChain.CreateOnnxTransformer(Environment, onnxModel, Options.FeatureColumnName, NetworkOutputColumnName, inputSchema);
        ITransformer head, widthCheck;
        try
        {
            head = CreatePredictionHead(onnx.GetOutputSchema(inputSchema), objective);
            // Makes a loaded zip reject a wrong feature width when bound, not deep inside ONNX Runtime.
            widthCheck = Transforms.Scoring.FeatureWidthCheck.Create(Environment, inputSchema, Options.FeatureColumnName);
        }
        catch
        {
            Transforms.Scoring.OnnxScoringChain.Release(onnx);
            throw;
        }
        var chain = Transforms.Scoring.OnnxScoringChain.Chain(widthCheck, onnx, head);
        return CreateTransformer(chain, onnxModel, network, new TrainedNetworkInfo(outcome.History, description, seed, outcome.GradientNorms, Options.FeatureColumnName), objective);
    }

    /// <inheritdoc />
    public abstract SchemaShape GetOutputSchema(SchemaShape inputSchema);

    private byte[] Export(nn.Module<Tensor, Tensor> network, long featureCount, ITrainingObjective objective)
    {
        // The head (softmax, sigmoid) lives only in the exported graph: training uses fused, stabler losses on raw outputs.
        var head = objective.CreateExportHead();
        var exported = head is null ? network : nn.Sequential(("network", network), ("head", head));
        using var stream = new MemoryStream();
        TorchSharpOnnxExporter.Export(exported, new[] { featureCount }, stream,
            new OnnxExportOptions { InputName = Options.FeatureColumnName, OutputName = NetworkOutputColumnName });
        return stream.ToArray();
    }

    /// <summary>
    /// A class with no validation rows is never measured, and one with no training rows is never learned;
    /// both are easy to miss with rare classes and a small split, so they are warned about rather than silent.
    /// </summary>
    private void WarnAboutAbsentClasses(TargetStatistics train, TargetStatistics validation, LabelColumnReader labelReader, DataViewSchema.Column labelColumn, TrainingHost host)
    {
        var inTrain = train.Classes.ToHashSet();
        var inValidation = validation.Classes.ToHashSet();
        string Names(IEnumerable<float> targets) => string.Join(", ", targets.Order().Select(t => labelReader.DescribeTarget(labelColumn, t)));
        string source = Options.ValidationSet is null ? $"The ValidationFraction {Options.ValidationFraction} split" : "The ValidationSet";
        var notValidated = inTrain.Except(inValidation).ToList();
        if (notValidated.Count > 0)
        {
            host.Warning($"{source} has no rows of class(es) {Names(notValidated)} of label column '{Options.LabelColumnName}' " +
                $"({validation.Count} validation rows), so validation loss and metrics do not measure them. Use more validation rows or a stratified ValidationSet.");
        }
        var notTrained = inValidation.Except(inTrain).ToList();
        if (notTrained.Count > 0)
        {
            host.Warning($"The training rows have no rows of class(es) {Names(notTrained)} of label column '{Options.LabelColumnName}', " +
                "which the validation rows do have: the network cannot learn them.");
        }
    }
}
