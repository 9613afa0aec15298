using System.Collections.Immutable;
using Microsoft.ML.Data;
using MLNetDeep.Trainers;

namespace Microsoft.ML;

/// <summary>
/// Permutation feature importance by feature name for models that end in an MLNetDeep network: the result of
/// ML.NET's <c>ITransformer</c> overloads of <c>PermutationFeatureImportance</c>, which accept only ML.NET's own
/// prediction transformers.
/// </summary>
/// <remarks>
/// ML.NET's <c>PermutationFeatureImportance(ITransformer model, ...)</c> looks for the last step of the chain that
/// implements its internal <c>ISingleFeaturePredictionTransformer</c> interface, which no type outside Microsoft.ML
/// can implement; on a chain ending in our trainer it throws "The model provided does not have a compatible
/// predictor". These methods find the network in the chain, run ML.NET's own typed
/// <c>PermutationFeatureImportance</c> on it (same permutations for the same <see cref="MLContext"/> seed, same
/// metric deltas) and key the results as ML.NET does: by the feature column's slot names, or "Slot i" where a slot
/// has none. Pass data that already went through the steps before the network (<c>model.Transform</c> of the
/// preceding steps, or the whole chain's output, which keeps the feature column).
/// </remarks>
public static class DeepNeuralNetworkFeatureImportance
{
    /// <summary>Multiclass permutation feature importance of the network's input features, by feature name.</summary>
    /// <param name="catalog">The multiclass catalog of an <see cref="MLContext"/> (its seed drives the permutations).</param>
    /// <param name="model">A <see cref="MulticlassDeepNeuralNetworkTransformer"/> or a chain whose last network step is one.</param>
    /// <param name="data">Data holding the network's feature column and the label.</param>
    /// <param name="labelColumnName">The key label column. Default: "Label".</param>
    /// <param name="numberOfExamplesToUse">Rows to evaluate on; null: all.</param>
    /// <param name="permutationCount">Permutations per feature. Default: 1.</param>
    /// <returns>Each feature's metric deltas (permuted minus baseline).</returns>
    public static ImmutableDictionary<string, MulticlassClassificationMetricsStatistics> PermutationFeatureImportanceByName(
        this MulticlassClassificationCatalog catalog, ITransformer model, IDataView data,
        string labelColumnName = "Label", int? numberOfExamplesToUse = null, int permutationCount = 1)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var network = FindNetwork<MulticlassDeepNeuralNetworkTransformer>(model);
        ArgumentNullException.ThrowIfNull(data);
        return ByName(data, network.FeatureColumnName, catalog.PermutationFeatureImportance(
            network, data, labelColumnName, numberOfExamplesToUse: numberOfExamplesToUse, permutationCount: permutationCount));
    }

    /// <summary>
    /// Binary permutation feature importance of the network's input features, by feature name, from the
    /// non-calibrated metrics (accuracy, AUC, F1 and the rest; log-loss is not evaluated), as ML.NET's
    /// <c>PermutationFeatureImportanceNonCalibrated</c> and its typed binary <c>PermutationFeatureImportance</c> compute it.
    /// </summary>
    /// <param name="catalog">The binary classification catalog of an <see cref="MLContext"/> (its seed drives the permutations).</param>
    /// <param name="model">A <see cref="BinaryDeepNeuralNetworkTransformer"/> or a chain whose last network step is one.</param>
    /// <param name="data">Data holding the network's feature column and the Boolean label.</param>
    /// <param name="labelColumnName">The Boolean label column. Default: "Label".</param>
    /// <param name="numberOfExamplesToUse">Rows to evaluate on; null: all.</param>
    /// <param name="permutationCount">Permutations per feature. Default: 1.</param>
    /// <returns>Each feature's metric deltas (permuted minus baseline).</returns>
    public static ImmutableDictionary<string, BinaryClassificationMetricsStatistics> PermutationFeatureImportanceNonCalibratedByName(
        this BinaryClassificationCatalog catalog, ITransformer model, IDataView data,
        string labelColumnName = "Label", int? numberOfExamplesToUse = null, int permutationCount = 1)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var network = FindNetwork<BinaryDeepNeuralNetworkTransformer>(model);
        ArgumentNullException.ThrowIfNull(data);
        return ByName(data, network.FeatureColumnName, catalog.PermutationFeatureImportance(
            network, data, labelColumnName, numberOfExamplesToUse: numberOfExamplesToUse, permutationCount: permutationCount));
    }

    /// <summary>Regression permutation feature importance of the network's input features, by feature name.</summary>
    /// <param name="catalog">The regression catalog of an <see cref="MLContext"/> (its seed drives the permutations).</param>
    /// <param name="model">A <see cref="RegressionDeepNeuralNetworkTransformer"/> or a chain whose last network step is one.</param>
    /// <param name="data">Data holding the network's feature column and the Single label.</param>
    /// <param name="labelColumnName">The Single label column. Default: "Label".</param>
    /// <param name="numberOfExamplesToUse">Rows to evaluate on; null: all.</param>
    /// <param name="permutationCount">Permutations per feature. Default: 1.</param>
    /// <returns>Each feature's metric deltas (permuted minus baseline).</returns>
    public static ImmutableDictionary<string, RegressionMetricsStatistics> PermutationFeatureImportanceByName(
        this RegressionCatalog catalog, ITransformer model, IDataView data,
        string labelColumnName = "Label", int? numberOfExamplesToUse = null, int permutationCount = 1)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var network = FindNetwork<RegressionDeepNeuralNetworkTransformer>(model);
        ArgumentNullException.ThrowIfNull(data);
        return ByName(data, network.FeatureColumnName, catalog.PermutationFeatureImportance(
            network, data, labelColumnName, numberOfExamplesToUse: numberOfExamplesToUse, permutationCount: permutationCount));
    }

    /// <summary>The network itself, or the last network step of a chain (ML.NET also searches a chain from its end).</summary>
    private static TNetwork FindNetwork<TNetwork>(ITransformer model) where TNetwork : DeepNeuralNetworkTransformer
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is TNetwork network)
            return network;
        if (model is IEnumerable<ITransformer> chain && chain.Reverse().OfType<TNetwork>().FirstOrDefault() is { } last)
            return last;
        throw new ArgumentException(
            $"The model ({model.GetType().Name}) has no {typeof(TNetwork).Name} step. A model loaded from a zip holds only " +
            "ML.NET's scoring transformers: compute feature importance on the model Fit returned.", nameof(model));
    }

    private static ImmutableDictionary<string, TResult> ByName<TResult>(IDataView data, string featureColumnName, ImmutableArray<TResult> importances)
    {
        var column = data.Schema[featureColumnName];
        VBuffer<ReadOnlyMemory<char>> names = default;
        if (column.Annotations.Schema.GetColumnOrNull("SlotNames")?.Type is VectorDataViewType { Size: var size } && size == importances.Length)
            column.GetSlotNames(ref names);
        var dense = names.Length == importances.Length ? names.DenseValues().Select(n => n.ToString()).ToArray() : new string[importances.Length];
        var result = ImmutableDictionary.CreateBuilder<string, TResult>();
        for (int i = 0; i < importances.Length; i++)
            result.Add(string.IsNullOrEmpty(dense[i]) ? $"Slot {i}" : dense[i], importances[i]);
        return result.ToImmutable();
    }
}
