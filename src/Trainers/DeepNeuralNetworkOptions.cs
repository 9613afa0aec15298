using Microsoft.ML;

namespace MLNetDeep.Trainers;

/// <summary>
/// Options for the deep neural network trainers (multiclass, binary and regression): the shared
/// <see cref="TrainingOptions"/>, the multilayer perceptron's architecture (below) and the task-only settings
/// (<c>DeepNeuralNetworkOptions.TaskSettings.cs</c>). Every default is documented on its property; they follow
/// Keras where Keras and PyTorch differ.
/// </summary>
public sealed partial class DeepNeuralNetworkOptions : TrainingOptions
{
    /// <summary>
    /// The width of each hidden layer, input side first. An empty array makes a linear model (the output layer alone),
    /// as a classifier head on pretrained features usually is.
    /// </summary>
    /// <remarks>
    /// Default: null, resolved at <c>Fit</c>: <b>{ 100 }</b> (one hidden layer of 100, scikit-learn's
    /// <c>MLPClassifier</c> default) for class labels (multiclass, binary) when the small-data defaults apply (see
    /// <see cref="TrainingOptions.ValidationFraction"/>) to at most 10,000 rows and <see cref="ReusedLayers"/> is unset;
    /// otherwise, regression included, <b>{ 300, 100 }</b>, Géron's Fashion-MNIST MLP. On a few hundred to a few thousand
    /// rows of class labels the 300-100 network overfits the noisy tables, and the L2 that would stop it under-fits the
    /// clean ones; the 100-wide network is better on every such table of the benchmark. A regression gets a row-scaled
    /// L2 instead (see <see cref="TrainingOptions.L2"/>) and keeps the width, which a clean one needs (BENCHMARKS.md,
    /// "Tabular data", "A smaller network for small tables"). Reused layers come from a network whose widths you know,
    /// so they keep { 300, 100 } unless you set it.
    /// </remarks>
    public int[]? HiddenLayers { get; set; }

    /// <summary>The hidden-layer non-linearity. Default: <see cref="ActivationFunction.ReLU"/>.</summary>
    public ActivationFunction Activation { get; set; } = ActivationFunction.ReLU;

    /// <summary>α for <see cref="ActivationFunction.LeakyReLU"/> (default 0.01) and <see cref="ActivationFunction.ELU"/> (default 1.0). Null: those defaults.</summary>
    public double? ActivationAlpha { get; set; }

    /// <summary>How dense weights are initialised. Default: <see cref="WeightInitializer.Auto"/> (He, LeCun or Glorot to suit the activation).</summary>
    public WeightInitializer WeightInitializer { get; set; } = WeightInitializer.Auto;

    /// <summary>Batch normalization in hidden layers. Default: <see cref="BatchNormalizationPlacement.None"/>.</summary>
    public BatchNormalizationPlacement BatchNormalization { get; set; } = BatchNormalizationPlacement.None;

    /// <summary>Whether the input features pass through a batch-normalization layer first, as the notebook has after Flatten. Default: false.</summary>
    public bool InputBatchNormalization { get; set; }

    /// <summary>Dropout rate after each hidden layer, in [0, 1). With SELU it becomes alpha dropout. Default: 0 (none).</summary>
    public double DropoutRate { get; set; }
}
