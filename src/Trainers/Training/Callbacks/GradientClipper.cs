using TorchSharp;
using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>Clips gradients by global norm and/or by value before each optimizer step.</summary>
internal sealed class GradientClipper : TrainingCallback
{
    private readonly double? _maxNorm;
    private readonly double? _maxValue;
    private IReadOnlyList<Parameter> _parameters = Array.Empty<Parameter>();

    public GradientClipper(double? maxNorm, double? maxValue)
    {
        _maxNorm = maxNorm;
        _maxValue = maxValue;
    }

    public override void OnTrainingBegin(TrainingState state) => _parameters = state.TrainedParameters;

    // The trained set changes when parameter groups do (unfreezing), which happens at an epoch's start.
    public override void OnEpochBegin(TrainingState state) => _parameters = state.TrainedParameters;

    public override void OnAfterBackward(TrainingState state)
    {
        if (_maxValue is double value)
            torch.nn.utils.clip_grad_value_(_parameters, value);
        if (_maxNorm is double norm)
            torch.nn.utils.clip_grad_norm_(_parameters, norm);
    }
}
