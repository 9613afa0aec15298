namespace MLNetDeep.Trainers;

/// <summary>
/// Thrown when the training loss, or the weights or outputs after an epoch's last step, become NaN or infinite. It names the epoch and step, and carries
/// the model as it stood at the best completed epoch so no finished work is lost.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="epoch">1-based epoch in which the loss diverged.</param>
    /// <param name="step">1-based optimizer step (counted over the whole run) at which it diverged.</param>
    /// <param name="loss">The loss value: NaN or ±∞.</param>
    /// <param name="bestModel">The model at the best completed epoch, or null when no epoch completed.</param>
    public TrainingDivergedException(int epoch, long step, double loss, DeepNeuralNetworkTransformer? bestModel)
        : this(epoch, step, loss, bestModel, brokenAfterStep: null)
    {
    }

    /// <summary>Creates the exception for weights or outputs that became non-finite after a step whose loss was still finite.</summary>
    internal TrainingDivergedException(int epoch, long step, double loss, DeepNeuralNetworkTransformer? bestModel, string? brokenAfterStep)
        : base("Training diverged: " +
               (brokenAfterStep is null
                   ? $"the loss became {loss} at epoch {epoch}, step {step}. "
                   : $"{brokenAfterStep} became NaN or infinite at epoch {epoch}, step {step} (the last loss was {loss}). ") +
               "Lower the learning rate, set GradientClipNorm, or normalize the features. " +
               (bestModel is null ? "No epoch had completed, so no model was kept." : $"The exception's BestModel holds the weights of epoch {bestModel.History.BestEpoch}."))
    {
        Epoch = epoch;
        Step = step;
        Loss = loss;
        BestModel = bestModel;
    }

    /// <summary>1-based epoch in which the loss diverged.</summary>
    public int Epoch { get; }

    /// <summary>1-based optimizer step at which it diverged.</summary>
    public long Step { get; }

    /// <summary>The loss at that step: NaN or ±∞, or the last (finite) loss when the weights or outputs became non-finite first.</summary>
    public double Loss { get; }

    /// <summary>
    /// The model at the best completed epoch (by the early-stopping metric when early stopping is on,
    /// otherwise the last completed epoch), fully usable and savable; null when divergence came in the first epoch.
    /// </summary>
    public DeepNeuralNetworkTransformer? BestModel { get; }
}
