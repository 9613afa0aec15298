namespace MLNetDeep.Trainers;

/// <summary>Where each hidden layer gets its batch normalization.</summary>
public enum BatchNormalizationPlacement
{
    /// <summary>No batch normalization in hidden layers.</summary>
    None,
    /// <summary>Dense → BN → activation, as Ioffe and Szegedy proposed. The dense layer's bias is then redundant and is dropped.</summary>
    BeforeActivation,
    /// <summary>Dense → activation → BN, as in Géron's first Keras BN example.</summary>
    AfterActivation,
}
