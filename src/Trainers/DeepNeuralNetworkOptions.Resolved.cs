using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers;

// What the network builder reads: the hidden widths as SmallDataDefaults.Resolve filled them in at Fit.
public sealed partial class DeepNeuralNetworkOptions
{
    /// <summary>The hidden widths: <see cref="HiddenLayers"/>, or { 300, 100 } where it is unset and unresolved.</summary>
    internal int[] HiddenLayerWidths => HiddenLayers ?? SmallDataDefaults.OtherwiseHiddenLayers.ToArray();

    /// <summary>Fills in an unset <see cref="HiddenLayers"/>: the compact network for small tables, unless layers are reused.</summary>
    internal override void ResolveArchitecture(bool compact) =>
        HiddenLayers ??= (compact && ReusedLayers is null ? SmallDataDefaults.CompactHiddenLayers : SmallDataDefaults.OtherwiseHiddenLayers).ToArray();
}
