namespace MLNetDeep.Trainers;

/// <summary>The gradient-descent variant. Hyperparameters come from <see cref="DeepNeuralNetworkOptions"/>.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent: θ ← θ − η∇.</summary>
    Sgd,
    /// <summary>SGD with momentum β = <see cref="TrainingOptions.Momentum"/>.</summary>
    Momentum,
    /// <summary>Nesterov accelerated gradient with momentum <see cref="TrainingOptions.Momentum"/>.</summary>
    Nesterov,
    /// <summary>AdaGrad; ε = <see cref="TrainingOptions.Epsilon"/>. Tends to stop too early on deep nets.</summary>
    AdaGrad,
    /// <summary>RMSProp with decay ρ = <see cref="TrainingOptions.Rho"/> and ε = <see cref="TrainingOptions.Epsilon"/>.</summary>
    RmsProp,
    /// <summary>Adam with β₁, β₂ and ε from the options.</summary>
    Adam,
    /// <summary>Adam with Nesterov momentum.</summary>
    Nadam,
    /// <summary>Adam with decoupled weight decay <see cref="TrainingOptions.WeightDecay"/>.</summary>
    AdamW,
}
