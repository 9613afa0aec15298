using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// Builds ML.NET's own prediction transformers on top of a network's ONNX output, so that a saved
/// model uses only Microsoft.ML's loadable components and follows ML.NET's column conventions
/// (a scalar key <c>PredictedLabel</c> carrying the label's key values, <c>Score</c> annotations that
/// <c>Evaluate</c> understands).
/// </summary>
/// <remarks>
/// <para>
/// Why not ONNX alone: ML.NET's OnnxTransformer (5.0.1 and 6.0.0) cannot emit a scalar column (its scalar caster
/// crashes), so an argmax computed in the graph would come out as a one-element vector. ML.NET's
/// scorers produce scalars, but they score only ML.NET model parameters. So the ONNX graph computes
/// everything, and an identity linear model passes its output to the scorer unchanged: with weight
/// matrix I and zero bias, each score is 1·p + Σ 0·q + 0, which is exactly p in IEEE arithmetic.
/// </para>
/// <para>
/// The constructors used are internal to Microsoft.ML; <see cref="MLNetInternals"/> binds them, and
/// <see cref="EnsureSupported"/> reports a clear error if an ML.NET version lacks them.
/// </para>
/// </remarks>
internal static class PredictionHeads
{
    /// <summary>
    /// A multiclass head: <c>Score</c> = the K values in <paramref name="probabilitiesColumn"/>,
    /// <c>PredictedLabel</c> = their argmax as a key of the training label's key type.
    /// </summary>
    /// <param name="environment">The user's <see cref="MLContext"/>, or the environment behind its catalogs.</param>
    /// <param name="inputSchema">The schema the head will see, which must hold the label column with its key values.</param>
    /// <param name="probabilitiesColumn">A float vector column of length K with the class probabilities.</param>
    /// <param name="labelColumn">The training label column (a key with K values).</param>
    /// <param name="classCount">K.</param>
    public static ITransformer CreateMulticlass(IHostEnvironment environment, DataViewSchema inputSchema, string probabilitiesColumn, string labelColumn, int classCount)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var weights = new VBuffer<float>[classCount];
        for (int k = 0; k < classCount; k++)
            weights[k] = new VBuffer<float>(classCount, 1, new[] { 1f }, new[] { k });
        var model = MLNetInternals.NewLinearMulticlassModel(environment, weights, new float[classCount], classCount);
        return MLNetInternals.NewMulticlassTransformer(environment, model, inputSchema, probabilitiesColumn, labelColumn, "Score", "PredictedLabel");
    }

    /// <summary>
    /// A binary head, as ML.NET's calibrated binary trainers write it: <c>Score</c> = the logit in
    /// <paramref name="logitColumn"/>, <c>Probability</c> = sigmoid(Score) from a Platt calibrator with
    /// slope −1 and offset 0 (ML.NET's Platt is 1 / (1 + exp(slope·x + offset))), and Boolean
    /// <c>PredictedLabel</c> = Probability &gt; 0.5.
    /// </summary>
    /// <param name="environment">The user's <see cref="MLContext"/>, or the environment behind its catalogs.</param>
    /// <param name="inputSchema">The schema the head will see.</param>
    /// <param name="logitColumn">A float vector column of length 1 holding the logit.</param>
    public static ITransformer CreateBinary(IHostEnvironment environment, DataViewSchema inputSchema, string logitColumn)
    {
        ArgumentNullException.ThrowIfNull(environment);
        // Thresholding Probability rather than Score (ML.NET's default) makes PredictedLabel exactly Probability > 0.5.
        return MLNetInternals.NewCalibratedBinaryTransformer(environment, OneWeight(), 0f, plattSlope: -1.0, plattOffset: 0.0,
            inputSchema, logitColumn, threshold: 0.5f, thresholdColumn: "Probability");
    }

    /// <summary>A regression head: scalar <c>Score</c> = the single value in <paramref name="valueColumn"/>.</summary>
    /// <param name="environment">The user's <see cref="MLContext"/>, or the environment behind its catalogs.</param>
    /// <param name="inputSchema">The schema the head will see.</param>
    /// <param name="valueColumn">A float vector column of length 1 holding the prediction in label units.</param>
    public static ITransformer CreateRegression(IHostEnvironment environment, DataViewSchema inputSchema, string valueColumn)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var identity = MLNetInternals.NewLinearRegressionModel(environment, OneWeight(), 0f);
        return MLNetInternals.NewRegressionTransformer(environment, identity, inputSchema, valueColumn);
    }

    /// <summary>Throws <see cref="NotSupportedException"/> unless the ML.NET internals MLNetDeep binds to are present.</summary>
    public static void EnsureSupported() => MLNetInternals.EnsureSupported();

    // Score = 1·x + 0 for a one-value vector x: exactly x in IEEE arithmetic.
    private static VBuffer<float> OneWeight() => new(1, new[] { 1f });
}
