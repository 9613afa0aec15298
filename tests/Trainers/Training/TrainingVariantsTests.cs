using Microsoft.ML;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Every activation, initializer, optimizer and batch-norm mode, plus dropout, L1 and L2, trains a
/// small network that lowers its loss, and the exported ONNX scores match TorchSharp within 1e-5.
/// </summary>
public sealed class TrainingVariantsTests
{
    private static (MulticlassDeepNeuralNetworkTransformer Model, IDataView Data) Train(Action<DeepNeuralNetworkOptions> configure)
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Blobs(ml, rows: 240, features: 6, classes: 3, seed: 5, spread: 1.5f);
        var options = new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 16, 8 },
            Epochs = 8,
            BatchSize = 16,
            LearningRate = 0.005,
            Seed = 3,
        };
        configure(options);
        return (ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data), data);
    }

    private static void AssertLearnsAndExports(Action<DeepNeuralNetworkOptions> configure)
    {
        var (model, data) = Train(configure);
        var epochs = model.History.Epochs;
        Assert.Equal(8, epochs.Count);
        Assert.True(epochs[^1].TrainLoss < 0.75 * epochs[0].TrainLoss,
            $"loss went from {epochs[0].TrainLoss} to {epochs[^1].TrainLoss}, not below 75 %");
        double diff = NetworkParity.MulticlassMaxDiff(model, data);
        Assert.True(diff <= 1e-5, $"ONNX vs TorchSharp max abs diff {diff}");
    }

    [Theory]
    [InlineData(ActivationFunction.ReLU)]
    [InlineData(ActivationFunction.LeakyReLU)]
    [InlineData(ActivationFunction.PReLU)]
    [InlineData(ActivationFunction.ELU)]
    [InlineData(ActivationFunction.SELU)]
    [InlineData(ActivationFunction.GELU)]
    [InlineData(ActivationFunction.Swish)]
    [InlineData(ActivationFunction.Tanh)]
    [InlineData(ActivationFunction.Sigmoid)]
    public void EveryActivationLearnsAndExports(ActivationFunction activation) =>
        AssertLearnsAndExports(o => { o.Activation = activation; o.LearningRate = 0.01; });

    [Fact]
    public void ActivationAlphaReachesTheLayer()
    {
        var (model, _) = Train(o => { o.Activation = ActivationFunction.LeakyReLU; o.ActivationAlpha = 0.2; o.Epochs = 1; });
        Assert.Contains(model.Description.Layers, l => l.Kind == "LeakyReLU" && l.Detail == "α = 0.2");
    }

    [Theory]
    [InlineData(WeightInitializer.Auto)]
    [InlineData(WeightInitializer.HeNormal)]
    [InlineData(WeightInitializer.HeUniform)]
    [InlineData(WeightInitializer.GlorotNormal)]
    [InlineData(WeightInitializer.GlorotUniform)]
    [InlineData(WeightInitializer.LeCunNormal)]
    public void EveryInitializerLearnsAndExports(WeightInitializer initializer) =>
        AssertLearnsAndExports(o => o.WeightInitializer = initializer);

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.1)]
    [InlineData(OptimizerKind.Momentum, 0.02)]
    [InlineData(OptimizerKind.Nesterov, 0.02)]
    [InlineData(OptimizerKind.AdaGrad, 0.05)]
    [InlineData(OptimizerKind.RmsProp, 0.003)]
    [InlineData(OptimizerKind.Adam, 0.005)]
    [InlineData(OptimizerKind.Nadam, 0.005)]
    [InlineData(OptimizerKind.AdamW, 0.005)]
    public void EveryOptimizerLearnsAndExports(OptimizerKind optimizer, double learningRate) =>
        AssertLearnsAndExports(o => { o.Optimizer = optimizer; o.LearningRate = learningRate; });

    [Theory]
    [InlineData(BatchNormalizationPlacement.None, false)]
    [InlineData(BatchNormalizationPlacement.BeforeActivation, false)]
    [InlineData(BatchNormalizationPlacement.AfterActivation, false)]
    [InlineData(BatchNormalizationPlacement.BeforeActivation, true)]
    [InlineData(BatchNormalizationPlacement.AfterActivation, true)]
    [InlineData(BatchNormalizationPlacement.None, true)]
    public void EveryBatchNormModeLearnsAndExports(BatchNormalizationPlacement placement, bool inputBatchNorm) =>
        AssertLearnsAndExports(o => { o.BatchNormalization = placement; o.InputBatchNormalization = inputBatchNorm; });

    [Theory]
    [InlineData(ActivationFunction.ReLU, "Dropout")]
    [InlineData(ActivationFunction.SELU, "AlphaDropout")]
    public void DropoutLearnsAndExports(ActivationFunction activation, string expectedLayer)
    {
        AssertLearnsAndExports(o => { o.Activation = activation; o.DropoutRate = 0.2; o.LearningRate = 0.01; });
        var (model, _) = Train(o => { o.Activation = activation; o.DropoutRate = 0.2; o.Epochs = 1; });
        Assert.Equal(2, model.Description.Layers.Count(l => l.Kind == expectedLayer));
    }

    [Fact]
    public void L1LearnsAndExports() => AssertLearnsAndExports(o => o.L1 = 1e-4);

    [Fact]
    public void L2LearnsAndExports() => AssertLearnsAndExports(o => o.L2 = 1e-3);

    [Fact]
    public void FullNotebookStackLearnsAndExports() => AssertLearnsAndExports(o =>
    {
        o.InputBatchNormalization = true;
        o.BatchNormalization = BatchNormalizationPlacement.BeforeActivation;
        o.DropoutRate = 0.1;
        o.L2 = 1e-4;
    });
}
