using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Network;
using MLNetDeep.Trainers.Training;
using MLNetDeep.Transforms.Onnx;
using TorchSharp;
using static TorchSharp.torch;

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

    private protected abstract ITrainingObjective CreateObjective(DataViewSchema.Column labelColumn, TrainingMatrix train);

    private protected abstract ITransformer CreatePredictionHead(DataViewSchema schemaWithNetworkOutput, ITrainingObjective objective);

    private protected abstract TTransformer CreateTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info, ITrainingObjective objective);

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">Training data with the label and feature columns the options name.</param>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the exception carries the best completed epoch's model.</exception>
    public TTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary>Trains the network, stopping early when <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="input">Training data with the label and feature columns the options name.</param>
    /// <param name="cancellationToken">
    /// Checked before every mini-batch: once it is cancelled, training stops within one batch and an
    /// <see cref="OperationCanceledException"/> is thrown. Checkpoints already written stay complete
    /// (they are written atomically at epoch ends), so a later Fit with the same CheckpointDirectory resumes.
    /// </param>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the exception carries the best completed epoch's model.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public TTransformer Fit(IDataView input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var host = new TrainingHost(Environment, ComponentName);
        int seed = host.ResolveSeed(Options.Seed);
        if (Options.NumberOfThreads is int threads)
            torch.set_num_threads(threads);

        var labelReader = CreateLabelReader();
        var labelColumn = DataViewReader.FindColumn(input.Schema, Options.LabelColumnName, "label", "training");
        labelReader.CheckType(labelColumn);
        var all = DataViewReader.Read(input, Options.FeatureColumnName, Options.LabelColumnName, labelReader, "training");
        var (train, validation) = SplitValidation(all, labelReader, seed);
        var objective = CreateObjective(labelColumn, train);
        host.Info($"Training on {train.RowCount} rows of {train.FeatureCount} features" +
            (validation is null ? "" : $", validating on {validation.RowCount} rows") + $"; seed {seed}.");

        // Dropout draws from libtorch's global generator; everything else uses our own, so both are seeded.
        torch.manual_seed(seed);
        using var generator = new Generator((ulong)seed);
        var network = NetworkBuilder.Build(Options, train.FeatureCount, objective.OutputWidth, generator);
        try
        {
            var device = host.ResolveDevice();
            network.to(device);
            TrainingOutcome outcome;
            try
            {
                string fingerprint = Options.CheckpointDirectory is null ? "" : Checkpoints.RunFingerprint.Compute(Options, seed, train, validation);
                outcome = new TrainingLoop(Options, objective, host, device).Run(network, train, validation, generator, fingerprint, cancellationToken);
            }
            catch (TrainingDivergence diverged)
            {
                var best = diverged.History is { } history
                    ? Build(network, new TrainingOutcome(history, Array.Empty<Observability.GradientNormRecord>()), input.Schema, train.FeatureCount, seed, objective)
                    : null;
                if (best is null)
                    network.Dispose();
                throw new TrainingDivergedException(diverged.Epoch, diverged.Step, diverged.Loss, best);
            }
            return Build(network, outcome, input.Schema, train.FeatureCount, seed, objective);
        }
        catch (Exception ex) when (ex is not TrainingDivergedException)
        {
            network.Dispose();
            throw;
        }
    }

    private TTransformer Build(nn.Module<Tensor, Tensor> network, TrainingOutcome outcome, DataViewSchema inputSchema, long featureCount, int seed, ITrainingObjective objective)
    {
        network.to(CPU);
        network.eval();
        var description = NetworkDescription.Describe(network, featureCount);
        byte[] onnxModel = Export(network, featureCount, objective);
        var onnx = Transforms.Scoring.OnnxScoringChain.CreateOnnxTransformer(Environment, onnxModel, Options.FeatureColumnName, NetworkOutputColumnName, inputSchema);
        var head = CreatePredictionHead(onnx.GetOutputSchema(inputSchema), objective);
        var chain = Transforms.Scoring.OnnxScoringChain.Chain(onnx, head);
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

    private (TrainingMatrix Train, TrainingMatrix? Validation) SplitValidation(TrainingMatrix all, LabelColumnReader labelReader, int seed)
    {
        if (Options.ValidationSet is { } validationSet)
        {
            var validation = DataViewReader.Read(validationSet, Options.FeatureColumnName, Options.LabelColumnName, labelReader, "validation");
            if (validation.FeatureCount != all.FeatureCount)
                throw new ArgumentException($"ValidationSet's '{Options.FeatureColumnName}' vectors have {validation.FeatureCount} values; the training data's have {all.FeatureCount}.");
            return (all, validation);
        }
        if (Options.ValidationFraction <= 0)
            return (all, null);

        int validationRows = (int)Math.Round(all.RowCount * Options.ValidationFraction);
        if (validationRows < 1 || validationRows >= all.RowCount)
        {
            throw new ArgumentException(
                $"ValidationFraction {Options.ValidationFraction} of {all.RowCount} rows leaves {validationRows} validation and {all.RowCount - validationRows} training rows; both need at least one.");
        }
        var order = Enumerable.Range(0, all.RowCount).ToArray();
        new Random(seed).Shuffle(order);
        return (all.Select(order[validationRows..]), all.Select(order[..validationRows]));
    }
}
