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
/// The estimator every MLP task shares: it runs <see cref="Training.TrainingCore"/> (option checks, data, the
/// validation split, training, ONNX export) with the built-in MLP and builds the ML.NET scoring chain. Subclasses
/// supply the label handling, objective, prediction head and transformer type.
/// </summary>
/// <typeparam name="TTransformer">The fitted transformer type.</typeparam>
public abstract class DeepNeuralNetworkTrainerBase<TTransformer> : IEstimator<TTransformer>
    where TTransformer : DeepNeuralNetworkTransformer
{
    /// <summary>The name of the column the ONNX graph writes and the prediction head reads.</summary>
    public const string NetworkOutputColumnName = TrainingCore.NetworkOutputColumnName;

    private protected DeepNeuralNetworkTrainerBase(IHostEnvironment environment, DeepNeuralNetworkOptions options)
    {
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
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
        var core = new TrainingCore(Options, CreateTask(), new MultilayerPerceptronFactory(Options));
        return core.Fit(Environment, ComponentName, input, trained => Build(trained, input.Schema),
            (d, best) => new TrainingDivergedException(d.Epoch, d.Step, d.Loss, best, d.BrokenAfterStep), cancellationToken);
    }

    /// <summary>This trainer's task (label reading, objective), for the tools that train on its behalf (the learning-rate finder).</summary>
    internal TrainingTask CreateTask() => new(CreateLabelReader(), CreateObjective);

    /// <summary>The environment this trainer was created with, for the tools that train on its behalf.</summary>
    internal IHostEnvironment HostEnvironment => Environment;

    /// <summary>The name this trainer logs under.</summary>
    internal string LogName => ComponentName;

    private TTransformer Build(TrainedNetwork trained, DataViewSchema inputSchema)
    {
        var chain = OnnxScoringChain.Build(Environment, trained.OnnxModel, inputSchema, Options.FeatureColumnName, NetworkOutputColumnName,
            schemaWithOutput => CreatePredictionHead(schemaWithOutput, trained.Objective));
        var info = new TrainedNetworkInfo(trained.Outcome.History, trained.Description, trained.Seed, trained.Outcome.GradientNorms, Options.FeatureColumnName);
        return CreateTransformer(chain, trained.OnnxModel, trained.Network, info, trained.Objective);
    }

    /// <inheritdoc />
    public abstract SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
