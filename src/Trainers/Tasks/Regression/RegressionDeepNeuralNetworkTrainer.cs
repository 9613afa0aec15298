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
/// Trains a multilayer perceptron for regression with TorchSharp, in an ML.NET pipeline.
/// Create it with <c>mlContext.Regression.Trainers.DeepNeuralNetwork(...)</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Label (<see cref="DeepNeuralNetworkOptions.LabelColumnName"/>)</term><description><see cref="float"/>, no NaN.</description></item>
/// <item><term>Features (<see cref="DeepNeuralNetworkOptions.FeatureColumnName"/>)</term><description>Known-size vector of <see cref="float"/>, all finite.</description></item>
/// </list>
/// <list type="table">
/// <listheader><term>Output column</term><description>Type</description></listheader>
/// <item><term><c>Score</c></term><description><see cref="float"/>: the prediction, in label units.</description></item>
/// </list>
/// The network has one linear output unit and minimizes <see cref="DeepNeuralNetworkOptions.RegressionLoss"/>
/// (plus any L1/L2 penalty), by default on the standardized label (<see cref="DeepNeuralNetworkOptions.StandardizeLabel"/>).
/// The history's metric is RMSE in label units; early stopping can monitor <see cref="EarlyStoppingMetric.ValidationRmse"/>.
/// </remarks>
public sealed class RegressionDeepNeuralNetworkTrainer : DeepNeuralNetworkTrainerBase<RegressionDeepNeuralNetworkTransformer>
{
    internal RegressionDeepNeuralNetworkTrainer(IHostEnvironment environment, DeepNeuralNetworkOptions options)
        : base(environment, options)
    {
    }

    private protected override string ComponentName => "RegressionDeepNeuralNetwork";

    private protected override LabelColumnReader CreateLabelReader() => new FloatLabelReader();

    private protected override ITrainingObjective CreateObjective(DataViewSchema.Column labelColumn, TargetStatistics train) =>
        new RegressionObjective(Options.RegressionLoss, Options.HuberDelta,
            Options.StandardizeLabel ? LabelStandardizer.Fit(train) : LabelStandardizer.Identity);

    private protected override ITransformer CreatePredictionHead(DataViewSchema schemaWithNetworkOutput, ITrainingObjective objective) =>
        PredictionHeads.CreateRegression(Environment, schemaWithNetworkOutput, NetworkOutputColumnName);

    private protected override RegressionDeepNeuralNetworkTransformer CreateTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info, ITrainingObjective objective)
    {
        var labels = ((RegressionObjective)objective).Labels;
        return new(scoringChain, onnxModel, network, info, labels.Mean, labels.Scale);
    }

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        OutputSchemas.RequireFloatVector(inputSchema, Options.FeatureColumnName);
        OutputSchemas.RequireFloatLabel(inputSchema, Options.LabelColumnName);
        return OutputSchemas.WithScalarHead(inputSchema, NetworkOutputColumnName,
            schema => PredictionHeads.CreateRegression(Environment, schema, NetworkOutputColumnName));
    }
}
