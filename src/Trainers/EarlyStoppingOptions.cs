namespace MLNetDeep.Trainers;

/// <summary>Stops training when the monitored metric stops improving, as Keras' <c>EarlyStopping</c> callback does.</summary>
public sealed class EarlyStoppingOptions
{
    /// <summary>What to watch. Default: <see cref="EarlyStoppingMetric.ValidationLoss"/>, which needs validation data.</summary>
    public EarlyStoppingMetric Metric { get; set; } = EarlyStoppingMetric.ValidationLoss;

    /// <summary>Epochs without improvement before training stops. Default: 5.</summary>
    public int Patience { get; set; } = 5;

    /// <summary>The smallest change that counts as an improvement. Default: 0.</summary>
    public double MinDelta { get; set; }

    /// <summary>Whether the returned model has the weights of the best epoch rather than the last one. Default: true.</summary>
    public bool RestoreBestWeights { get; set; } = true;
}
