namespace MLNetDeep.Trainers;

/// <summary>The non-linearity applied after each hidden layer.</summary>
/// <remarks>
/// Géron (ch. 11) recommends, roughly in order: SELU for deep plain MLPs (with LeCun init and no
/// batch normalization), then ELU, then LeakyReLU/PReLU, then ReLU; logistic and tanh saturate and
/// make gradients vanish in deep stacks.
/// </remarks>
public enum ActivationFunction
{
    /// <summary>max(0, x).</summary>
    ReLU,
    /// <summary>max(αx, x); α is <see cref="DeepNeuralNetworkOptions.ActivationAlpha"/> (default 0.01).</summary>
    LeakyReLU,
    /// <summary>Leaky ReLU whose slope α is learned per unit, initialised to 0.25.</summary>
    PReLU,
    /// <summary>x for x ≥ 0, α(eˣ − 1) otherwise; α is <see cref="DeepNeuralNetworkOptions.ActivationAlpha"/> (default 1).</summary>
    ELU,
    /// <summary>Scaled ELU (λ ≈ 1.0507, α ≈ 1.6733); self-normalizing with LeCun normal init. Dropout becomes alpha dropout.</summary>
    SELU,
    /// <summary>x·Φ(x), the exact Gaussian error linear unit.</summary>
    GELU,
    /// <summary>x·σ(x), also called SiLU.</summary>
    Swish,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,
}
