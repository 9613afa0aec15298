namespace MLNetDeep.Trainers;

/// <summary>The loss a regression network minimizes (<see cref="DeepNeuralNetworkOptions.RegressionLoss"/>).</summary>
public enum RegressionLoss
{
    /// <summary>Mean squared error: fits the conditional mean. The default.</summary>
    MeanSquaredError,
    /// <summary>Mean absolute error: fits the conditional median, so outliers pull on it far less.</summary>
    MeanAbsoluteError,
    /// <summary>Huber: squared for errors up to <see cref="DeepNeuralNetworkOptions.HuberDelta"/>, linear beyond; MSE's smoothness with MAE's robustness.</summary>
    Huber,
}
