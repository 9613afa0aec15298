using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Trainers;

/// <summary>
/// Trains a multilayer perceptron for binary classification with TorchSharp, in an ML.NET pipeline.
/// Create it with <c>mlContext.BinaryClassification.Trainers.DeepNeuralNetwork(...)</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Label (<see cref="DeepNeuralNetworkOptions.LabelColumnName"/>)</term><description><see cref="bool"/>, true for the positive class; the training rows must hold both values.</description></item>
/// <item><term>Features (<see cref="DeepNeuralNetworkOptions.FeatureColumnName"/>)</term><description>Known-size vector of <see cref="float"/>, all finite.</description></item>
/// </list>
/// <list type="table">
/// <listheader><term>Output column</term><description>Type</description></listheader>
/// <item><term><c>Score</c></term><description><see cref="float"/>: the raw logit.</description></item>
/// <item><term><c>Probability</c></term><description><see cref="float"/>: sigmoid(Score).</description></item>
/// <item><term><c>PredictedLabel</c></term><description><see cref="bool"/>: Probability &gt; 0.5.</description></item>
/// </list>
/// The network has one output unit and minimizes binary cross-entropy on its logit (weighted by
/// <see cref="DeepNeuralNetworkOptions.PositiveClassWeight"/>, plus any L1/L2 penalty). The history's metric is
/// accuracy; with validation data each epoch also records <see cref="EpochRecord.ValidationAuc"/>, which early
/// stopping can monitor (<see cref="EarlyStoppingMetric.ValidationAuc"/>).
/// </remarks>
public sealed class BinaryDeepNeuralNetworkTrainer : DeepNeuralNetworkTrainerBase<BinaryDeepNeuralNetworkTransformer>
{
    internal BinaryDeepNeuralNetworkTrainer(IHostEnvironment environment, DeepNeuralNetworkOptions options)
        : base(environment, options)
    {
    }

    private protected override string ComponentName => "BinaryDeepNeuralNetwork";

    private protected override LabelColumnReader CreateLabelReader() => new BooleanLabelReader();

    private protected override ITrainingObjective CreateObjective(DataViewSchema.Column labelColumn, TargetStatistics train)
    {
        // A network cannot learn to tell apart what it never saw apart. Counted, not listed, so a streamed pass can tell.
        if (train.NonZero == 0 || train.NonZero == train.Count)
        {
            throw new ArgumentException(
                $"Label column '{labelColumn.Name}' is {(train.NonZero == 0 ? "false" : "true")} in all {train.Count} training rows; " +
                "binary classification needs rows of both classes (true and false).");
        }
        return new BinaryObjective(Options.PositiveClassWeight);
    }

    private protected override ITransformer CreatePredictionHead(DataViewSchema schemaWithNetworkOutput, ITrainingObjective objective) =>
        PredictionHeads.CreateBinary(Environment, schemaWithNetworkOutput, NetworkOutputColumnName);

    private protected override BinaryDeepNeuralNetworkTransformer CreateTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info, ITrainingObjective objective) =>
        new(scoringChain, onnxModel, network, info);

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        OutputSchemas.RequireFloatVector(inputSchema, Options.FeatureColumnName);
        OutputSchemas.RequireBooleanLabel(inputSchema, Options.LabelColumnName);
        return OutputSchemas.WithScalarHead(inputSchema, NetworkOutputColumnName,
            schema => PredictionHeads.CreateBinary(Environment, schema, NetworkOutputColumnName));
    }
}
