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
/// Trains a multilayer perceptron for multiclass classification with TorchSharp, in an ML.NET pipeline.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.DeepNeuralNetwork(...)</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Label (<see cref="DeepNeuralNetworkOptions.LabelColumnName"/>)</term><description>Key (<c>Key&lt;UInt32&gt;</c>) with at least 2 values.</description></item>
/// <item><term>Features (<see cref="DeepNeuralNetworkOptions.FeatureColumnName"/>)</term><description>Known-size vector of <see cref="float"/>, all finite.</description></item>
/// </list>
/// <list type="table">
/// <listheader><term>Output column</term><description>Type</description></listheader>
/// <item><term><c>Score</c></term><description>Vector of <see cref="float"/>: class probabilities.</description></item>
/// <item><term><c>PredictedLabel</c></term><description>Key of the label's type: the argmax class.</description></item>
/// </list>
/// Training minimizes softmax cross-entropy (plus any L1/L2 penalty) with mini-batch gradient descent.
/// </remarks>
public sealed class MulticlassDeepNeuralNetworkTrainer : DeepNeuralNetworkTrainerBase<MulticlassDeepNeuralNetworkTransformer>
{
    internal MulticlassDeepNeuralNetworkTrainer(IHostEnvironment environment, DeepNeuralNetworkOptions options)
        : base(environment, options)
    {
    }

    private protected override string ComponentName => "MulticlassDeepNeuralNetwork";

    private protected override LabelColumnReader CreateLabelReader() => new KeyLabelReader();

    private protected override ITrainingObjective CreateObjective(DataViewSchema.Column labelColumn, TargetStatistics train) =>
        new MulticlassObjective(KeyLabelReader.ClassCount(labelColumn), Options.LabelSmoothing);

    private protected override ITransformer CreatePredictionHead(DataViewSchema schemaWithNetworkOutput, ITrainingObjective objective) =>
        PredictionHeads.CreateMulticlass(Environment, schemaWithNetworkOutput, NetworkOutputColumnName, Options.LabelColumnName, (int)objective.OutputWidth);

    private protected override MulticlassDeepNeuralNetworkTransformer CreateTransformer(
        TransformerChain<ITransformer> scoringChain, byte[] onnxModel, nn.Module<Tensor, Tensor> network,
        TrainedNetworkInfo info, ITrainingObjective objective) =>
        new(scoringChain, onnxModel, network, info, (int)objective.OutputWidth);

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        OutputSchemas.RequireFloatVector(inputSchema, Options.FeatureColumnName);
        var label = OutputSchemas.RequireKey(inputSchema, Options.LabelColumnName);
        return OutputSchemas.Multiclass(inputSchema, label, NetworkOutputColumnName);
    }
}
