using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNetDeep.Transforms.Hosting;

/// <summary>
/// Reads an ML.NET environment's GPU settings and builds catalogs bound to it.
/// </summary>
/// <remarks>
/// ML.NET catalogs hold the MLContext's inner environment, not the MLContext, and keep
/// <c>GpuDeviceId</c> and <c>FallbackToCpu</c> on the internal interface <c>IHostEnvironmentInternal</c>.
/// Components built on that environment log to <c>mlContext.Log</c> and draw from its seed, which is why
/// MLNetDeep reaches it by reflection rather than creating a context of its own.
/// </remarks>
public static class HostEnvironmentSettings
{
    private static readonly Type? InternalInterface =
        typeof(IHostEnvironment).Assembly.GetType("Microsoft.ML.Runtime.IHostEnvironmentInternal");

    /// <summary>The CUDA device the user asked for (<see cref="MLContext.GpuDeviceId"/>), or null for the CPU.</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static int? GpuDeviceId(IHostEnvironment environment) => environment switch
    {
        MLContext context => context.GpuDeviceId,
        _ => (int?)ReadInternal(environment, nameof(MLContext.GpuDeviceId)),
    };

    /// <summary>Whether work may fall back to the CPU when the GPU is unavailable (<see cref="MLContext.FallbackToCpu"/>).</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static bool FallbackToCpu(IHostEnvironment environment) => environment switch
    {
        MLContext context => context.FallbackToCpu,
        _ => (bool?)ReadInternal(environment, nameof(MLContext.FallbackToCpu)) ?? false,
    };

    /// <summary>The folder for temporary files (<see cref="MLContext.TempFilePath"/>); the system temp folder when unset.</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static string TempFilePath(IHostEnvironment environment)
    {
        var path = environment switch
        {
            MLContext context => context.TempFilePath,
            _ => ReadInternal(environment, nameof(MLContext.TempFilePath)) as string,
        };
        return string.IsNullOrEmpty(path) ? Path.GetTempPath() : path;
    }

    /// <summary>A transforms catalog whose components are hosted in <paramref name="environment"/>.</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static TransformsCatalog Transforms(IHostEnvironment environment)
    {
        if (environment is MLContext context)
            return context.Transforms;
        var ctor = typeof(TransformsCatalog).GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, new[] { typeof(IHostEnvironment) })
            ?? throw new NotSupportedException("TransformsCatalog(IHostEnvironment) was not found; MLNetDeep supports Microsoft.ML 5.0.x.");
        return (TransformsCatalog)ctor.Invoke(new object[] { environment });
    }

    private static object? ReadInternal(IHostEnvironment environment, string property)
    {
        if (InternalInterface is null || !InternalInterface.IsInstanceOfType(environment))
            return null;
        return InternalInterface.GetProperty(property)?.GetValue(environment);
    }
}
