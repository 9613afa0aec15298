using TorchSharp;
using TorchSharp.Modules;

namespace MLNetDeep.Trainers.Training;

/// <summary>Creates the TorchSharp optimizer the options name, with the options' hyperparameters.</summary>
internal static class OptimizerFactory
{
    public static torch.optim.Optimizer Create(TrainingOptions options, IEnumerable<Parameter> parameters)
    {
        double lr = options.LearningRate;
        return options.Optimizer switch
        {
            OptimizerKind.Sgd => torch.optim.SGD(parameters, lr),
            OptimizerKind.Momentum => torch.optim.SGD(parameters, lr, momentum: options.Momentum),
            OptimizerKind.Nesterov => torch.optim.SGD(parameters, lr, momentum: options.Momentum, nesterov: true),
            OptimizerKind.AdaGrad => torch.optim.Adagrad(parameters, lr, eps: options.Epsilon),
            OptimizerKind.RmsProp => torch.optim.RMSProp(parameters, lr, alpha: options.Rho, eps: options.Epsilon),
            OptimizerKind.Adam => torch.optim.Adam(parameters, lr, options.Beta1, options.Beta2, options.Epsilon),
            OptimizerKind.Nadam => torch.optim.NAdam(parameters, lr, options.Beta1, options.Beta2, options.Epsilon),
            OptimizerKind.AdamW => torch.optim.AdamW(parameters, lr, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
    }

    /// <summary>
    /// An empty parameter group of the optimizer kind's own type, for <c>add_param_group</c>, which fills its
    /// hyperparameters from the optimizer's defaults (the options') and creates fresh state for its parameters.
    /// </summary>
    public static ParamGroup Group(OptimizerKind kind, IEnumerable<Parameter> parameters)
    {
        var list = parameters.ToList();
        return kind switch
        {
            OptimizerKind.Sgd or OptimizerKind.Momentum or OptimizerKind.Nesterov => new SGD.ParamGroup { Parameters = list },
            OptimizerKind.AdaGrad => new Adagrad.ParamGroup { Parameters = list },
            OptimizerKind.RmsProp => new RMSProp.ParamGroup { Parameters = list },
            OptimizerKind.Adam => new Adam.ParamGroup { Parameters = list },
            OptimizerKind.Nadam => new NAdam.ParamGroup { Parameters = list },
            OptimizerKind.AdamW => new AdamW.ParamGroup { Parameters = list },
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown optimizer."),
        };
    }

    /// <summary>The learning rate of the first parameter group, which is the rate every group uses here.</summary>
    public static double CurrentLearningRate(torch.optim.Optimizer optimizer) =>
        optimizer.ParamGroups.First().LearningRate;
}
