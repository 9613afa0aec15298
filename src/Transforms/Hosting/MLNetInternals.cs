using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Onnx;

namespace MLNetDeep.Transforms.Hosting;

/// <summary>
/// Every access MLNetDeep makes to members that ML.NET keeps internal, in one place: the environment behind a
/// catalog and its GPU and temporary-folder settings, catalogs bound to an environment, the constructors of the
/// prediction heads, <c>SchemaShape.Create</c>, and the parts of a loaded scoring chain.
/// </summary>
/// <remarks>
/// <para>
/// Why reach in at all: ML.NET offers no public way to build its own prediction transformers over a given model,
/// to turn a <see cref="DataViewSchema"/> into a <see cref="SchemaShape"/>, to find the <see cref="MLContext"/>
/// behind a catalog, or to read the graph back out of an <c>OnnxTransformer</c>; each is what a component inside
/// ML.NET would use. Microsoft.ML 5.0.1 and 6.0.0 both have every member below (tests bind them on the repo's
/// version, build/check-package.sh on the other).
/// </para>
/// <para>
/// Each member is looked up once, on first use. Using one that a future ML.NET removed throws a
/// <see cref="NotSupportedException"/> naming the member and the Microsoft.ML version; <see cref="EnsureSupported"/>
/// checks them all at once and is called where a user first reaches MLNetDeep (the trainer catalogs, BatchPredictor,
/// ModelZip.Load), so a mismatch fails there rather than halfway through a training run.
/// </para>
/// </remarks>
internal static class MLNetInternals
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>The Microsoft.ML version in this process, as NuGet names it (e.g. "5.0.1"); its assembly version is always 1.0.0.0.</summary>
    public static string MLNetVersion { get; } = VersionOf(typeof(MLContext).Assembly);

    /// <summary>The Microsoft.ML versions MLNetDeep is built and tested for, as quoted in errors.</summary>
    public const string SupportedVersions = "Microsoft.ML 5.0.1 to 6.0.x";

    // ---- Host environment ----

    private static readonly Type? HostEnvironmentInternal =
        typeof(IHostEnvironment).Assembly.GetType("Microsoft.ML.Runtime.IHostEnvironmentInternal");

    private static readonly Member<PropertyInfo> EnvironmentGpuDeviceId =
        new("IHostEnvironmentInternal.GpuDeviceId", () => HostEnvironmentInternal?.GetProperty(nameof(MLContext.GpuDeviceId)));

    private static readonly Member<PropertyInfo> EnvironmentFallbackToCpu =
        new("IHostEnvironmentInternal.FallbackToCpu", () => HostEnvironmentInternal?.GetProperty(nameof(MLContext.FallbackToCpu)));

    private static readonly Member<PropertyInfo> EnvironmentTempFilePath =
        new("IHostEnvironmentInternal.TempFilePath", () => HostEnvironmentInternal?.GetProperty(nameof(MLContext.TempFilePath)));

    private static readonly Member<PropertyInfo> CatalogEnvironment =
        new("IInternalCatalog.Environment", () => typeof(TransformsCatalog).Assembly.GetType("Microsoft.ML.Data.IInternalCatalog")?.GetProperty("Environment"));

    private static readonly Member<ConstructorInfo> TransformsCatalogConstructor =
        new("TransformsCatalog(IHostEnvironment)", () => Constructor(typeof(TransformsCatalog), typeof(IHostEnvironment)));

    /// <summary>
    /// The environment of the <see cref="MLContext"/> a catalog (for example <c>mlContext.Regression.Trainers</c>)
    /// belongs to: its log, its seed and its GPU settings.
    /// </summary>
    public static IHostEnvironment EnvironmentOf(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        EnsureSupported();
        var property = CatalogEnvironment.Value;
        if (!property.DeclaringType!.IsInstanceOfType(catalog) || property.GetValue(catalog) is not IHostEnvironment environment)
        {
            throw new NotSupportedException(
                $"{catalog.GetType().FullName} is not an ML.NET catalog carrying an MLContext (IInternalCatalog) in Microsoft.ML {MLNetVersion}; " +
                $"MLNetDeep supports {SupportedVersions}.");
        }
        return environment;
    }

    /// <summary>The CUDA device the user asked for (<see cref="MLContext.GpuDeviceId"/>), or null for the CPU.</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static int? GpuDeviceId(IHostEnvironment environment) => environment switch
    {
        MLContext context => context.GpuDeviceId,
        _ => (int?)ReadEnvironment(environment, EnvironmentGpuDeviceId),
    };

    /// <summary>Whether work may fall back to the CPU when the GPU is unavailable (<see cref="MLContext.FallbackToCpu"/>).</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static bool FallbackToCpu(IHostEnvironment environment) => environment switch
    {
        MLContext context => context.FallbackToCpu,
        _ => (bool?)ReadEnvironment(environment, EnvironmentFallbackToCpu) ?? false,
    };

    /// <summary>The folder for temporary files (<see cref="MLContext.TempFilePath"/>); the system temp folder when unset.</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static string TempFilePath(IHostEnvironment environment)
    {
        var path = environment switch
        {
            MLContext context => context.TempFilePath,
            _ => ReadEnvironment(environment, EnvironmentTempFilePath) as string,
        };
        return string.IsNullOrEmpty(path) ? Path.GetTempPath() : path;
    }

    /// <summary>A transforms catalog whose components are hosted in <paramref name="environment"/> (log, seed, temp folder).</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static TransformsCatalog Transforms(IHostEnvironment environment) =>
        environment is MLContext context ? context.Transforms : (TransformsCatalog)TransformsCatalogConstructor.Value.Invoke(new object[] { environment });

    // Environments that are not an MLContext (a catalog's, a host's) carry the settings on the internal interface;
    // one that does not implement it has none.
    private static object? ReadEnvironment(IHostEnvironment environment, Member<PropertyInfo> property) =>
        HostEnvironmentInternal is { } type && type.IsInstanceOfType(environment) ? property.Value.GetValue(environment) : null;

    // ---- Prediction heads: ML.NET's own scorers over identity linear models ----

    private static readonly Member<ConstructorInfo> LinearMulticlassModel = new(
        "LinearMulticlassModelParameters(IHostEnvironment, VBuffer<float>[], float[], int, int, string[], ModelStatisticsBase)",
        () => Constructor(typeof(LinearMulticlassModelParameters), typeof(IHostEnvironment), typeof(VBuffer<float>[]), typeof(float[]), typeof(int), typeof(int), typeof(string[]), typeof(ModelStatisticsBase)));

    private static readonly Member<ConstructorInfo> MulticlassTransformer = new(
        "MulticlassPredictionTransformer<LinearMulticlassModelParameters>(IHostEnvironment, model, DataViewSchema, string, string, string, string)",
        () => Constructor(typeof(MulticlassPredictionTransformer<LinearMulticlassModelParameters>),
            typeof(IHostEnvironment), typeof(LinearMulticlassModelParameters), typeof(DataViewSchema), typeof(string), typeof(string), typeof(string), typeof(string)));

    private static readonly Member<ConstructorInfo> LinearBinaryModel = new(
        "LinearBinaryModelParameters(IHostEnvironment, in VBuffer<float>, float, LinearModelStatistics)",
        () => Constructor(typeof(LinearBinaryModelParameters), typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float), typeof(ModelStatisticsBase)));

    private static readonly Member<ConstructorInfo> PlattCalibratorConstructor = new(
        "PlattCalibrator(IHostEnvironment, double, double)",
        () => Constructor(typeof(PlattCalibrator), typeof(IHostEnvironment), typeof(double), typeof(double)));

    // ParameterMixingCalibratedModelParameters<LinearBinaryModelParameters, PlattCalibrator> is what ML.NET's own
    // logistic regression returns; the class is internal, so it is looked up by name.
    private static readonly Member<Type> CalibratedModelType = new(
        "Microsoft.ML.Calibrators.ParameterMixingCalibratedModelParameters`2",
        () => typeof(PlattCalibrator).Assembly.GetType("Microsoft.ML.Calibrators.ParameterMixingCalibratedModelParameters`2")
            ?.MakeGenericType(typeof(LinearBinaryModelParameters), typeof(PlattCalibrator)));

    private static readonly Member<ConstructorInfo> CalibratedModel = new(
        "ParameterMixingCalibratedModelParameters<LinearBinaryModelParameters, PlattCalibrator>(IHostEnvironment, model, calibrator)",
        () => CalibratedModelType.TryValue is { } type ? Constructor(type, typeof(IHostEnvironment), typeof(LinearBinaryModelParameters), typeof(PlattCalibrator)) : null);

    private static readonly Member<ConstructorInfo> BinaryTransformer = new(
        "BinaryPredictionTransformer<calibrated model>(IHostEnvironment, model, DataViewSchema, string, float, string)",
        () => CalibratedModelType.TryValue is { } type
            ? Constructor(typeof(BinaryPredictionTransformer<>).MakeGenericType(type), typeof(IHostEnvironment), type, typeof(DataViewSchema), typeof(string), typeof(float), typeof(string))
            : null);

    private static readonly Member<ConstructorInfo> LinearRegressionModel = new(
        "LinearRegressionModelParameters(IHostEnvironment, in VBuffer<float>, float)",
        () => Constructor(typeof(LinearRegressionModelParameters), typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float)));

    private static readonly Member<ConstructorInfo> RegressionTransformer = new(
        "RegressionPredictionTransformer<LinearRegressionModelParameters>(IHostEnvironment, model, DataViewSchema, string)",
        () => Constructor(typeof(RegressionPredictionTransformer<LinearRegressionModelParameters>),
            typeof(IHostEnvironment), typeof(LinearRegressionModelParameters), typeof(DataViewSchema), typeof(string)));

    /// <summary>A linear multiclass model with the given weight rows and biases.</summary>
    public static LinearMulticlassModelParameters NewLinearMulticlassModel(IHostEnvironment environment, VBuffer<float>[] weights, float[] bias, int classCount) =>
        (LinearMulticlassModelParameters)LinearMulticlassModel.Value.Invoke(new object?[] { environment, weights, bias, classCount, weights.Length == 0 ? 0 : weights[0].Length, null, null });

    /// <summary>ML.NET's multiclass scorer over <paramref name="model"/>, reading <paramref name="featureColumn"/>.</summary>
    public static ITransformer NewMulticlassTransformer(IHostEnvironment environment, LinearMulticlassModelParameters model, DataViewSchema inputSchema,
        string featureColumn, string labelColumn, string scoreColumn, string predictedLabelColumn) =>
        (ITransformer)MulticlassTransformer.Value.Invoke(new object?[] { environment, model, inputSchema, featureColumn, labelColumn, scoreColumn, predictedLabelColumn });

    /// <summary>
    /// ML.NET's binary scorer over a linear model calibrated by a Platt sigmoid (what its logistic regression
    /// returns), predicting true where <paramref name="thresholdColumn"/> exceeds <paramref name="threshold"/>.
    /// </summary>
    public static ITransformer NewCalibratedBinaryTransformer(IHostEnvironment environment, VBuffer<float> weights, float bias,
        double plattSlope, double plattOffset, DataViewSchema inputSchema, string featureColumn, float threshold, string thresholdColumn)
    {
        var linear = LinearBinaryModel.Value.Invoke(new object?[] { environment, weights, bias, null });
        var sigmoid = PlattCalibratorConstructor.Value.Invoke(new object[] { environment, plattSlope, plattOffset });
        var calibrated = CalibratedModel.Value.Invoke(new[] { environment, linear, sigmoid });
        return (ITransformer)BinaryTransformer.Value.Invoke(new object?[] { environment, calibrated, inputSchema, featureColumn, threshold, thresholdColumn });
    }

    /// <summary>A linear regression model.</summary>
    public static LinearRegressionModelParameters NewLinearRegressionModel(IHostEnvironment environment, VBuffer<float> weights, float bias) =>
        (LinearRegressionModelParameters)LinearRegressionModel.Value.Invoke(new object[] { environment, weights, bias });

    /// <summary>ML.NET's regression scorer over <paramref name="model"/>, reading <paramref name="featureColumn"/> and writing <c>Score</c>.</summary>
    public static ITransformer NewRegressionTransformer(IHostEnvironment environment, LinearRegressionModelParameters model, DataViewSchema inputSchema, string featureColumn) =>
        (ITransformer)RegressionTransformer.Value.Invoke(new object[] { environment, model, inputSchema, featureColumn });

    // ---- Schema shapes ----

    private static readonly Member<Func<DataViewSchema, SchemaShape>> SchemaShapeCreate = new(
        "SchemaShape.Create(DataViewSchema)",
        () => typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, new[] { typeof(DataViewSchema) })
            ?.CreateDelegate<Func<DataViewSchema, SchemaShape>>());

    /// <summary>The <see cref="SchemaShape"/> of a concrete schema, as ML.NET's estimators compute it.</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema) => SchemaShapeCreate.Value(schema);

    // ---- Reading a loaded chain ----

    private static readonly Member<PropertyInfo> OnnxInputs = new("OnnxTransformer.Inputs", () => typeof(OnnxTransformer).GetProperty("Inputs", Instance));

    private static readonly Member<PropertyInfo> OnnxOutputs = new("OnnxTransformer.Outputs", () => typeof(OnnxTransformer).GetProperty("Outputs", Instance));

    private static readonly Member<FieldInfo> OnnxModelField = new("OnnxTransformer.Model", () => typeof(OnnxTransformer).GetField("Model", Instance));

    private static readonly Member<PropertyInfo> OnnxModelStream = new(
        "OnnxModel.ModelStream", () => OnnxModelField.TryValue?.FieldType.GetProperty("ModelStream", Instance));

    // Declared on the open generic type: a loaded head is BinaryPredictionTransformer<CalibratedModelParametersBase<,>>,
    // a fitted one BinaryPredictionTransformer<ParameterMixingCalibratedModelParameters<,>>, so each use binds it to the head's own type.
    private static readonly Member<FieldInfo> BinaryThreshold = new(
        "BinaryPredictionTransformer<T>.Threshold", () => typeof(BinaryPredictionTransformer<>).GetField("Threshold", Instance));

    private static readonly Member<FieldInfo> BinaryThresholdColumn = new(
        "BinaryPredictionTransformer<T>.ThresholdColumn", () => typeof(BinaryPredictionTransformer<>).GetField("ThresholdColumn", Instance));

    /// <summary>The names of the ONNX graph inputs an <see cref="OnnxTransformer"/> reads.</summary>
    public static string[] InputColumns(OnnxTransformer onnx) => (string[])OnnxInputs.Value.GetValue(onnx)!;

    /// <summary>The names of the ONNX graph outputs an <see cref="OnnxTransformer"/> writes.</summary>
    public static string[] OutputColumns(OnnxTransformer onnx) => (string[])OnnxOutputs.Value.GetValue(onnx)!;

    /// <summary>The serialized ONNX graph an <see cref="OnnxTransformer"/> scores with.</summary>
    public static byte[] GraphBytes(OnnxTransformer onnx)
    {
        var model = OnnxModelField.Value.GetValue(onnx);
        if (OnnxModelStream.Value.GetValue(model) is not FileStream file)
            throw Missing("OnnxModel.ModelStream (a FileStream)");
        // ML.NET holds the file open while the transformer lives; a second read-only handle is allowed.
        using var copy = new FileStream(file.Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[copy.Length];
        copy.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The threshold of a <c>BinaryPredictionTransformer&lt;T&gt;</c>, and the column it applies to (<c>Score</c> or <c>Probability</c>).</summary>
    public static (float Threshold, string Column) BinaryThresholdOf(ITransformer binaryTransformer)
    {
        var type = binaryTransformer.GetType();
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(BinaryPredictionTransformer<>))
            throw new ArgumentException($"{type.Name} is not a BinaryPredictionTransformer<T>.", nameof(binaryTransformer));
        object? Read(Member<FieldInfo> field) =>
            (type.GetField(field.Value.Name, Instance) ?? throw Missing(field.Description)).GetValue(binaryTransformer);
        return ((float)Read(BinaryThreshold)!, (string)Read(BinaryThresholdColumn)!);
    }

    // ---- The check ----

    private static readonly IMember[] All =
    {
        EnvironmentGpuDeviceId, EnvironmentFallbackToCpu, EnvironmentTempFilePath, CatalogEnvironment, TransformsCatalogConstructor,
        LinearMulticlassModel, MulticlassTransformer, LinearBinaryModel, PlattCalibratorConstructor, CalibratedModelType, CalibratedModel,
        BinaryTransformer, LinearRegressionModel, RegressionTransformer, SchemaShapeCreate,
        OnnxInputs, OnnxOutputs, OnnxModelField, OnnxModelStream, BinaryThreshold, BinaryThresholdColumn,
    };

    private static readonly Lazy<string[]> MissingMembers = new(() => All.Where(m => !m.IsPresent).Select(m => m.Description).ToArray());

    /// <summary>The description of every internal member MLNetDeep uses, for tests and diagnostics.</summary>
    public static IReadOnlyList<string> MemberDescriptions { get; } = All.Select(m => m.Description).ToArray();

    /// <summary>
    /// Throws a <see cref="NotSupportedException"/> naming the Microsoft.ML version and every internal member it
    /// lacks, unless all are present. The lookups run once per process.
    /// </summary>
    public static void EnsureSupported()
    {
        if (MissingMembers.Value.Length > 0)
            throw Unsupported(MissingMembers.Value);
    }

    /// <summary>The error <see cref="EnsureSupported"/> throws when <paramref name="missing"/> members are absent.</summary>
    internal static NotSupportedException Unsupported(IReadOnlyList<string> missing) => new(
        $"Microsoft.ML {MLNetVersion} lacks {missing.Count} internal member(s) MLNetDeep binds to: {string.Join("; ", missing)}. " +
        $"MLNetDeep supports {SupportedVersions}; use one of those, or an MLNetDeep release built for {MLNetVersion}.");

    private static NotSupportedException Missing(string member) => new(
        $"{member} was not found in Microsoft.ML {MLNetVersion}; MLNetDeep binds to it and supports {SupportedVersions}.");

    private static ConstructorInfo? Constructor(Type type, params Type[] parameters) =>
        type.GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, binder: null, parameters, modifiers: null);

    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
            return assembly.GetName().Version?.ToString() ?? "(unknown version)";
        int metadata = informational.IndexOf('+');
        return metadata < 0 ? informational : informational[..metadata];
    }

    private interface IMember
    {
        string Description { get; }

        bool IsPresent { get; }
    }

    /// <summary>One internal member, looked up once; a lookup that throws counts as missing.</summary>
    private sealed class Member<T> : IMember
        where T : class
    {
        private readonly Lazy<T?> _value;

        public Member(string description, Func<T?> find)
        {
            Description = description;
            _value = new Lazy<T?>(() =>
            {
                try
                {
                    return find();
                }
                catch (Exception ex) when (ex is ArgumentException or TypeLoadException or AmbiguousMatchException or InvalidOperationException)
                {
                    return null;
                }
            });
        }

        public string Description { get; }

        public bool IsPresent => _value.Value is not null;

        /// <summary>The member, or null when this ML.NET lacks it.</summary>
        public T? TryValue => _value.Value;

        /// <summary>The member; throws naming it and the ML.NET version when it is missing.</summary>
        public T Value => _value.Value ?? throw Missing(Description);
    }
}
