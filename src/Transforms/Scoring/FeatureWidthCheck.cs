using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// The first transformer of a scoring chain: it makes a loaded zip reject features of the wrong width when the
/// chain is bound (<c>Transform</c>, <c>GetOutputSchema</c>, <c>CreatePredictionEngine</c>) rather than when rows
/// are read, using only ML.NET components so that serving still needs no MLNetDeep assembly.
/// </summary>
/// <remarks>
/// <para>
/// ML.NET's OnnxTransformer accepts any vector whose length is a multiple of the graph's input width (1,568 for a
/// 784 graph); ONNX Runtime then fails on the first row, deep inside a cursor, naming no column. ML.NET's
/// prediction transformers compare the feature column's type with the one they were trained on when bound, so a
/// regression transformer over the feature column, with zero weights, does the check:
/// "Schema mismatch for feature column 'Features': expected Vector&lt;Single, 784&gt;, got Vector&lt;Single, 1568&gt;".
/// </para>
/// <para>
/// The check writes a <c>Score</c> column that a <c>DropColumns</c> right after it removes again, so the chain's
/// output schema, column order included, is what it was without the check. ML.NET computes columns lazily, so the
/// check's score is never computed and costs nothing per row; the feature column passes through untouched, so
/// the scores are bit-identical. (An identity normalizer was tried first: ML.NET's normalizer (5.0.1) checks the
/// width only when rows are read, and it turns −0 into +0.)
/// </para>
/// </remarks>
internal static class FeatureWidthCheck
{
    private const string ScoreColumn = "Score";

    /// <summary>
    /// Creates the check for <paramref name="featureColumn"/>, which must be a known-size float vector in
    /// <paramref name="inputSchema"/>; scoring data must then have exactly that column type. For a feature column
    /// named <c>Score</c> it returns an empty chain: the check cannot be built around that name.
    /// </summary>
    /// <param name="environment">The user's <see cref="MLContext"/>, or the environment behind its catalogs.</param>
    /// <param name="inputSchema">The schema the network was trained on.</param>
    /// <param name="featureColumn">The feature column's name.</param>
    /// <exception cref="ArgumentException">The column is missing or is not a known-size vector of Single.</exception>
    public static ITransformer Create(IHostEnvironment environment, DataViewSchema inputSchema, string featureColumn)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(featureColumn);
        var column = inputSchema.GetColumnOrNull(featureColumn)
            ?? throw new ArgumentException($"The schema has no feature column '{featureColumn}'.", nameof(featureColumn));
        if (column.Type is not VectorDataViewType { IsKnownSize: true, ItemType: var item } vector || item != NumberDataViewType.Single)
            throw new ArgumentException($"Feature column '{featureColumn}' is {column.Type}; a known-size vector of Single was expected.", nameof(featureColumn));
        // The check's own Score column is dropped again, which would drop a feature column of that name too.
        if (featureColumn == ScoreColumn)
            return OnnxScoringChain.Chain();
        // No explicit values: the weights are all zero, and the zip stores a few bytes whatever the width.
        var zeros = new VBuffer<float>(vector.Size, 0, Array.Empty<float>(), Array.Empty<int>());
        var model = MLNetInternals.NewLinearRegressionModel(environment, zeros, 0f);
        var check = MLNetInternals.NewRegressionTransformer(environment, model, inputSchema, featureColumn);
        var drop = MLNetInternals.Transforms(environment).DropColumns(ScoreColumn).Fit(new EmptyDataView(check.GetOutputSchema(inputSchema)));
        return OnnxScoringChain.Chain(check, drop);
    }

    /// <summary>Whether <paramref name="transformer"/> is a check that <see cref="Create"/> made: a zero-weight regression transformer and a DropColumns.</summary>
    /// <param name="transformer">A member of a scoring chain.</param>
    public static bool IsWidthCheck(ITransformer transformer) =>
        transformer is TransformerChain<ITransformer> chain && chain.Count() == 2
        && chain.First() is RegressionPredictionTransformer<LinearRegressionModelParameters> { Model: { Bias: 0f } model }
        && model.Weights.All(w => w == 0f)
        && chain.Last() is ColumnSelectingTransformer;
}
