namespace MLNetDeep.Trainers;

// The settings only one task reads (binary, regression or multiclass); the other tasks ignore them.
public sealed partial class DeepNeuralNetworkOptions
{
    /// <summary>
    /// Binary classification only: the weight of positive (true) rows in the binary cross-entropy, PyTorch's
    /// <c>pos_weight</c>. For imbalanced data, about (negative rows) / (positive rows) balances the classes.
    /// Must be finite and &gt; 0. Default: 1 (unweighted). Ignored by the other tasks.
    /// </summary>
    public double PositiveClassWeight { get; set; } = 1;

    /// <summary>Regression only: the training loss. Default: <see cref="Trainers.RegressionLoss.MeanSquaredError"/>. Ignored by the other tasks.</summary>
    public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.MeanSquaredError;

    /// <summary>
    /// Regression only: δ of <see cref="Trainers.RegressionLoss.Huber"/>, in label units: errors up to δ are squared, larger
    /// ones count linearly. Must be finite and &gt; 0. Default: 1 (Keras and PyTorch).
    /// </summary>
    public double HuberDelta { get; set; } = 1;

    /// <summary>
    /// Regression only: whether the network trains on the label standardized to mean 0 and standard deviation 1
    /// (statistics of the training rows), which keeps the output layer's scale near its initialization whatever the
    /// label's units. The exported graph undoes it, so <c>Score</c> is always in label units; the history's losses
    /// are then in standardized units, its RMSE in label units. A constant label is only centred. Default: true.
    /// </summary>
    public bool StandardizeLabel { get; set; } = true;

    /// <summary>
    /// Multiclass only: label smoothing ε for the cross-entropy (Szegedy et al. 2016; Keras' and PyTorch's
    /// <c>label_smoothing</c>): each one-hot target becomes (1 − ε)·onehot + ε/K over the K classes, which keeps the
    /// network from driving its logits towards certainty. The training and validation losses in the history are the
    /// smoothed ones; the exported model and its probabilities are unaffected. Must be in [0, 1). Default: 0 (none).
    /// Ignored by the other tasks.
    /// </summary>
    public double LabelSmoothing { get; set; }
}
