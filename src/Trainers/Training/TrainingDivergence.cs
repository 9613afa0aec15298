namespace MLNetDeep.Trainers.Training;

/// <summary>
/// Raised inside the loop when the loss, or after an epoch's last step the weights or outputs, stop being finite. The loop has already put the best
/// completed epoch's weights back (when there is one); the trainer turns this into a
/// <see cref="TrainingDivergedException"/> carrying a usable model.
/// </summary>
internal sealed class TrainingDivergence : Exception
{
    public TrainingDivergence(int epoch, long step, double loss, TrainingHistory? history, string? brokenAfterStep = null)
        : base(brokenAfterStep is null
            ? $"The loss became {loss} at epoch {epoch}, step {step}."
            : $"{brokenAfterStep} became NaN or infinite at epoch {epoch}, step {step}.")
    {
        Epoch = epoch;
        Step = step;
        Loss = loss;
        History = history;
        BrokenAfterStep = brokenAfterStep;
    }

    /// <summary>What the end-of-epoch check found non-finite (weights or outputs), when that and not the loss revealed the divergence.</summary>
    public string? BrokenAfterStep { get; }

    public int Epoch { get; }

    public long Step { get; }

    public double Loss { get; }

    /// <summary>The completed epochs, with BestEpoch naming the weights the network now holds; null when none completed.</summary>
    public TrainingHistory? History { get; }
}
