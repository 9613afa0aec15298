using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// Builds ML.NET's own prediction transformers on top of a network's ONNX output, so that a saved
/// model uses only Microsoft.ML's loadable components and follows ML.NET's column conventions
/// (a scalar key <c>PredictedLabel</c> carrying the label's key values, <c>Score</c> annotations that
/// <c>Evaluate</c> understands).
/// </summary>
/// <remarks>
/// <para>
/// Why not ONNX alone: ML.NET 5.0.1's OnnxTransformer cannot emit a scalar column (its scalar caster
/// crashes), so an argmax computed in the graph would come out as a one-element vector. ML.NET's
/// scorers produce scalars, but they score only ML.NET model parameters. So the ONNX graph computes
/// everything, and an identity linear model passes its output to the scorer unchanged: with weight
/// matrix I and zero bias, each score is 1·p + Σ 0·q + 0, which is exactly p in IEEE arithmetic.
/// </para>
/// <para>
/// The constructors used are internal to Microsoft.ML 5.0.x, so they are bound by reflection and
/// verified by tests; <see cref="EnsureSupported"/> reports a clear error if a future ML.NET changes them.
/// </para>
/// </remarks>
public static class PredictionHeads
{
    private const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;

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
        var env = environment;
        var weights = new VBuffer<float>[classCount];
        for (int k = 0; k < classCount; k++)
            weights[k] = new VBuffer<float>(classCount, 1, new[] { 1f }, new[] { k });

        var modelCtor = Find(typeof(LinearMulticlassModelParameters), typeof(IHostEnvironment), typeof(VBuffer<float>[]), typeof(float[]), typeof(int), typeof(int), typeof(string[]), typeof(ModelStatisticsBase));
        var model = modelCtor.Invoke(new object?[] { env, weights, new float[classCount], classCount, classCount, null, null });

        var transformerCtor = Find(typeof(MulticlassPredictionTransformer<LinearMulticlassModelParameters>),
            typeof(IHostEnvironment), typeof(LinearMulticlassModelParameters), typeof(DataViewSchema), typeof(string), typeof(string), typeof(string), typeof(string));
        return (ITransformer)transformerCtor.Invoke(new object?[] { env, model, inputSchema, probabilitiesColumn, labelColumn, "Score", "PredictedLabel" });
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
        var identity = LinearBinaryModelConstructor().Invoke(new object?[] { environment, OneWeight(), 0f, null });
        var sigmoid = PlattCalibratorConstructor().Invoke(new object[] { environment, -1.0, 0.0 });
        var calibrated = CalibratedModelConstructor().Invoke(new[] { environment, identity, sigmoid });
        // Thresholding Probability rather than Score (ML.NET's default) makes PredictedLabel exactly Probability > 0.5.
        return (ITransformer)BinaryTransformerConstructor().Invoke(new object?[] { environment, calibrated, inputSchema, logitColumn, 0.5f, "Probability" });
    }

    /// <summary>A regression head: scalar <c>Score</c> = the single value in <paramref name="valueColumn"/>.</summary>
    /// <param name="environment">The user's <see cref="MLContext"/>, or the environment behind its catalogs.</param>
    /// <param name="inputSchema">The schema the head will see.</param>
    /// <param name="valueColumn">A float vector column of length 1 holding the prediction in label units.</param>
    public static ITransformer CreateRegression(IHostEnvironment environment, DataViewSchema inputSchema, string valueColumn)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var identity = LinearRegressionModelConstructor().Invoke(new object[] { environment, OneWeight(), 0f });
        return (ITransformer)RegressionTransformerConstructor().Invoke(new object[] { environment, identity, inputSchema, valueColumn });
    }

    /// <summary>Throws <see cref="NotSupportedException"/> unless the ML.NET internals this class binds to are present.</summary>
    public static void EnsureSupported()
    {
        Find(typeof(LinearMulticlassModelParameters), typeof(IHostEnvironment), typeof(VBuffer<float>[]), typeof(float[]), typeof(int), typeof(int), typeof(string[]), typeof(ModelStatisticsBase));
        Find(typeof(MulticlassPredictionTransformer<LinearMulticlassModelParameters>),
            typeof(IHostEnvironment), typeof(LinearMulticlassModelParameters), typeof(DataViewSchema), typeof(string), typeof(string), typeof(string), typeof(string));
        LinearBinaryModelConstructor();
        PlattCalibratorConstructor();
        CalibratedModelConstructor();
        BinaryTransformerConstructor();
        LinearRegressionModelConstructor();
        RegressionTransformerConstructor();
    }

    // Score = 1·x + 0 for a one-value vector x: exactly x in IEEE arithmetic.
    private static VBuffer<float> OneWeight() => new(1, new[] { 1f });

    private static ConstructorInfo LinearBinaryModelConstructor() =>
        Find(typeof(LinearBinaryModelParameters), typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float), typeof(ModelStatisticsBase));

    private static ConstructorInfo PlattCalibratorConstructor() =>
        Find(typeof(PlattCalibrator), typeof(IHostEnvironment), typeof(double), typeof(double));

    private static ConstructorInfo CalibratedModelConstructor() =>
        Find(CalibratedModelType(), typeof(IHostEnvironment), typeof(LinearBinaryModelParameters), typeof(PlattCalibrator));

    private static ConstructorInfo BinaryTransformerConstructor() =>
        Find(typeof(BinaryPredictionTransformer<>).MakeGenericType(CalibratedModelType()),
            typeof(IHostEnvironment), CalibratedModelType(), typeof(DataViewSchema), typeof(string), typeof(float), typeof(string));

    internal static ConstructorInfo LinearRegressionModelConstructor() =>
        Find(typeof(LinearRegressionModelParameters), typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float));

    internal static ConstructorInfo RegressionTransformerConstructor() =>
        Find(typeof(RegressionPredictionTransformer<LinearRegressionModelParameters>),
            typeof(IHostEnvironment), typeof(LinearRegressionModelParameters), typeof(DataViewSchema), typeof(string));

    // ParameterMixingCalibratedModelParameters<LinearBinaryModelParameters, PlattCalibrator> is what ML.NET's own
    // logistic regression returns; the class is internal, so it is looked up by name.
    private static Type CalibratedModelType()
    {
        var open = typeof(PlattCalibrator).Assembly.GetType("Microsoft.ML.Calibrators.ParameterMixingCalibratedModelParameters`2")
            ?? throw new NotSupportedException(
                "Microsoft.ML.Calibrators.ParameterMixingCalibratedModelParameters was not found in Microsoft.ML " +
                $"{typeof(MLContext).Assembly.GetName().Version}; MLNetDeep supports Microsoft.ML 5.0.x.");
        return open.MakeGenericType(typeof(LinearBinaryModelParameters), typeof(PlattCalibrator));
    }

    private static ConstructorInfo Find(Type type, params Type[] parameters) =>
        type.GetConstructor(Internal, binder: null, parameters, modifiers: null)
        ?? throw new NotSupportedException(
            $"{type.Name} has no constructor ({string.Join(", ", parameters.Select(p => p.Name))}) in Microsoft.ML " +
            $"{typeof(MLContext).Assembly.GetName().Version}; MLNetDeep supports Microsoft.ML 5.0.x.");
}
