namespace MLNetDeep.Pretrained.Backbones;

/// <summary>What was loaded, for the record kept with a trained model.</summary>
/// <param name="FilePath">The full path of the file read.</param>
/// <param name="Format">The file format.</param>
/// <param name="Sha256">The file's SHA-256, lowercase hex: which weights a model started from.</param>
/// <param name="LayerCount">The number of layers (Keras layers, or tensors for a state dict) read.</param>
/// <param name="ValueCount">The number of values read, moving statistics included.</param>
public sealed record LoadedWeights(string FilePath, WeightsFormat Format, string Sha256, int LayerCount, long ValueCount);
