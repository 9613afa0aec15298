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
    /// The width of each hidden layer, input side first. Default: { 300, 100 }, Géron's Fashion-MNIST MLP. An empty array
    /// makes a linear model (the output layer alone), as a classifier head on pretrained features usually is.
    /// </summary>
    public int[] HiddenLayers { get; set; } = { 300, 100 };

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
