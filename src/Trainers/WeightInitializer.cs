namespace MLNetDeep.Trainers;

/// <summary>How the weights of each dense layer are drawn before training. Biases always start at zero.</summary>
/// <remarks>
/// fan_in and fan_out are the layer's input and output widths. Normal initializers draw from an
/// untruncated normal distribution with mean 0 (as PyTorch does; Keras truncates at 2σ).
/// </remarks>
public enum WeightInitializer
{
    /// <summary>He for the ReLU family (ReLU, LeakyReLU, PReLU, ELU, GELU, Swish), LeCun normal for SELU, Glorot uniform for tanh and sigmoid.</summary>
    Auto,
    /// <summary>Normal with σ = √(2 / fan_in).</summary>
    HeNormal,
    /// <summary>Uniform on ±√(6 / fan_in).</summary>
    HeUniform,
    /// <summary>Normal with σ = √(2 / (fan_in + fan_out)).</summary>
    GlorotNormal,
    /// <summary>Uniform on ±√(6 / (fan_in + fan_out)); the Keras default.</summary>
    GlorotUniform,
    /// <summary>Normal with σ = √(1 / fan_in); what SELU needs to self-normalize.</summary>
    LeCunNormal,
}
