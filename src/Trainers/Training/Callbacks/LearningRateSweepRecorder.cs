namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>
/// Records the rate and loss of every step of a learning-rate sweep, smooths the loss (bias-corrected exponential moving
/// average, fastai's <c>lr_find</c>) and ends training once the sweep is done or the smoothed loss passes its limit.
/// </summary>
internal sealed class LearningRateSweepRecorder : TrainingCallback
{
    private readonly LearningRateFinderOptions _options;
    private double _average;
    private double _lowest = double.PositiveInfinity;
    private double _rate;

    public LearningRateSweepRecorder(LearningRateFinderOptions options) => _options = options;

    public List<double> LearningRates { get; } = new();

    public List<double> Losses { get; } = new();

    public List<double> SmoothedLosses { get; } = new();

    public LearningRateSweepEnd End { get; private set; } = LearningRateSweepEnd.LossNotFinite;

    // After the scheduler (it comes earlier in the list) has set this step's rate.
    public override void OnBatchBegin(TrainingState state) => _rate = state.Parameters?.LearningRate ?? state.Optimizer.ParamGroups.First().LearningRate;

    public override void OnBatchEnd(TrainingState state)
    {
        double loss = state.BatchLoss;
        double beta = _options.SmoothingBeta;
        _average = beta * _average + (1 - beta) * loss;
        double smoothed = _average / (1 - Math.Pow(beta, Losses.Count + 1));
        LearningRates.Add(_rate);
        Losses.Add(loss);
        SmoothedLosses.Add(smoothed);
        _lowest = Math.Min(_lowest, smoothed);
        if (Losses.Count > 1 && smoothed > _options.DivergenceFactor * _lowest)
            Stop(state, LearningRateSweepEnd.LossAboveLimit);
        else if (Losses.Count >= _options.Steps)
            Stop(state, LearningRateSweepEnd.Completed);
    }

    private void Stop(TrainingState state, LearningRateSweepEnd end)
    {
        End = end;
        state.StopAfterBatchRequested = true;
    }
}
